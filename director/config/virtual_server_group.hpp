#pragma once
// keepalived's virtual_server_group: a named list of addresses (single, ranges, prefixes), each with an
// optional port, and firewall marks. `virtual_server group NAME { ... }` programs one IPVS service per
// member, all with the same scheduler and real servers, and one set of health checks for them all.
//
//   virtual_server_group NAME {
//       198.18.0.100 6443           # IP [PORT]
//       198.18.0.100-110 6443       # last octet range, inclusive
//       198.18.0.250-198.18.1.10 80 # full range
//       198.18.2.0/29 80            # prefix (the address must be the network's first)
//       fwmark 7
//   }
//
// A member without a port is a port-0 service, which IPVS only takes for a persistent service.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct GroupMemberConf {
    uint32_t first = 0, last = 0;  // inclusive address range, host byte order (fwmark members: 0)
    uint16_t port = 0;             // 0: none given
    uint32_t fwmark = 0;           // non-zero: a fwmark member
    Location where;
    bool operator==(const GroupMemberConf&) const = default;
};

struct VirtualServerGroupConf {
    std::string name;
    std::vector<GroupMemberConf> members;
    Location where;
    bool operator==(const VirtualServerGroupConf&) const = default;
};

// All groups of a file together expand to at most this many members: a typo such as 10.0.0.0/8 is an
// error instead of millions of services.
inline constexpr uint64_t kMaxGroupMembers = 65536;

// "A.B.C.D", "A.B.C.D-E", "A.B.C.D-E.F.G.H" or "A.B.C.D/NN" as an inclusive range; on bad input, nullopt
// and `why` says what is wrong.
std::optional<std::pair<uint32_t, uint32_t>> parse_address_range(const std::string& text, std::string& why);

struct Config;
void parse_virtual_server_group(const Node& n, Config& out, Diagnostics& diag);
// After the whole file is read: expands the group of every `virtual_server group NAME` into its kernel
// services and checks what needs the whole file (unknown or unused groups, a kernel service named twice,
// port-less members of a service that is not persistent).
void resolve_virtual_server_groups(Config& cfg, Diagnostics& diag);

}  // namespace director::config
