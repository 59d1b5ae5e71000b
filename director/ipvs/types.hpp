#pragma once
// IPVS objects as the director thinks of them, independent of netlink. (Owned by the IPVS work: extend
// freely; care mode uses these too.)
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/ipv4.hpp"

namespace director::ipvs {

enum class Protocol : uint16_t { TCP = 6, UDP = 17, SCTP = 132 };
enum class Forward : uint32_t { Masq = 0, Local = 1, Tunnel = 2, Route = 3, Bypass = 4 };

// Service flags (IP_VS_SVC_F_* in linux/ip_vs.h).
inline constexpr uint32_t kFlagPersistent = 0x0001;
inline constexpr uint32_t kFlagHashed = 0x0002;  // kernel-internal, reported in listings, never sent
inline constexpr uint32_t kFlagOnePacket = 0x0004;
inline constexpr uint32_t kFlagSched1 = 0x0008;
inline constexpr uint32_t kFlagSched2 = 0x0010;
inline constexpr uint32_t kFlagSched3 = 0x0020;

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
    uint32_t active_conns = 0, inactive_conns = 0, persistent_conns = 0;
    Stats stats;
};

struct ServiceState {
    Service service;
    Stats stats;
    std::vector<DestinationState> destinations;
};

// IPVS_CMD_GET_INFO: the version code (0x010201 = 1.2.1) and the connection table size.
struct Info {
    uint32_t version = 0;
    uint32_t conn_tab_size = 0;
};

// Connection timeouts in seconds (ipvsadm --set tcp tcpfin udp); 0 in a set request = leave unchanged.
struct Timeouts {
    uint32_t tcp = 0, tcp_fin = 0, udp = 0;
};

// Connection-sync daemon (ipvsadm --start-daemon).
enum class SyncState : uint32_t { Master = 1, Backup = 2 };
struct SyncDaemon {
    SyncState state = SyncState::Master;
    std::string mcast_ifn;
    uint32_t syncid = 0;
    // Reported by newer kernels (0 = not reported); left to the kernel's defaults when starting.
    uint16_t maxlen = 0;
    uint32_t mcast_group = 0;  // host byte order
    uint16_t mcast_port = 0;
    uint8_t mcast_ttl = 0;
};

// Scheduler names the kernel ships (ip_vs_<name>.ko); anything else is a config error.
bool is_known_scheduler(const std::string& name);
const char* protocol_name(Protocol p);     // "TCP", "UDP", "SCTP"
const char* forward_name(Forward f);       // ipvsadm's words: "Masq", "Route", "Tunnel", "Local", "Bypass"
using host::format_addr_port;  // "10.0.0.1:80"
std::string describe(const ServiceKey& k);                   // "TCP 10.0.0.1:80" or "FWM 7"

}  // namespace director::ipvs
