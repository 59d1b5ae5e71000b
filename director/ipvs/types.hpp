#pragma once
// IPVS objects as the director thinks of them, independent of netlink. (Owned by the IPVS work: extend
// freely; care mode uses these too.)
#include <cstdint>
#include <string>
#include <vector>

namespace director::ipvs {

enum class Protocol : uint16_t { TCP = 6, UDP = 17, SCTP = 132 };
enum class Forward : uint32_t { Masq = 0, Local = 1, Tunnel = 2, Route = 3, Bypass = 4 };

// A virtual service is identified by (protocol, address, port) or by fwmark. IPv4 only for now; the
// address is kept in host byte order.
struct ServiceKey {
    Protocol protocol = Protocol::TCP;
    uint32_t address = 0;
    uint16_t port = 0;
    uint32_t fwmark = 0;  // non-zero: a fwmark service, address/port unused
    auto operator<=>(const ServiceKey&) const = default;
};

struct Service {
    ServiceKey key;
    std::string scheduler = "wlc";
    uint32_t flags = 0;          // IP_VS_SVC_F_*
    uint32_t timeout_s = 0;      // persistence timeout; 0 = not persistent
    uint32_t netmask = 0xffffffff;
};

struct Destination {
    uint32_t address = 0;  // host byte order
    uint16_t port = 0;
    Forward forward = Forward::Masq;
    int32_t weight = 1;
    uint32_t u_threshold = 0, l_threshold = 0;
    auto key() const { return std::pair{address, port}; }
};

struct Stats {
    uint64_t conns = 0, inpkts = 0, outpkts = 0, inbytes = 0, outbytes = 0;
    uint64_t cps = 0, inpps = 0, outpps = 0, inbps = 0, outbps = 0;
};

struct DestinationState {
    Destination dest;
    uint32_t active_conns = 0, inactive_conns = 0;
    Stats stats;
};

struct ServiceState {
    Service service;
    Stats stats;
    std::vector<DestinationState> destinations;
};

}  // namespace director::ipvs
