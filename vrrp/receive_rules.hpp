#pragma once
// Every check RFC 3768 section 7.1 (and keepalived practice) applies to a received advertisement, as one
// pure function over the raw IPv4 packet. Failures are drop reasons that the instance counts.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vrrp/packet.hpp"

namespace vrrp {

enum class DropReason {
    NotIpv4,          // malformed IPv4 header or not protocol 112
    Ttl,              // multicast: TTL not 255; unicast: outside the peer's min_ttl..max_ttl
    TooShort,
    VersionType,      // version != 2 or type != ADVERTISEMENT
    Length,           // length does not match the address count
    Checksum,
    UnknownVrid,      // another router's VRID on the same link: ignored, not an error
    AuthType,
    AuthPassword,
    AdvertInterval,
    NotPeer,          // unicast mode: sender is not one of our unicast_peer addresses
    OwnPacket,        // our own advert looped back
    Destination,      // multicast mode: sent to an address other than 224.0.0.18 (possibly from off-link)
    Count_,
};
inline constexpr size_t kDropReasons = static_cast<size_t>(DropReason::Count_);
const char* to_string(DropReason r);

// keepalived's `unicast_peer { ADDR min_ttl N max_ttl M }`: how many hops away that peer may be.
struct PeerTtl {
    uint32_t address = 0;  // host order
    int min_ttl = 0;
    int max_ttl = 255;
};

// What this instance expects of its peers' adverts.
struct ReceiveExpect {
    uint8_t vrid = 0;
    AuthType auth_type = AuthType::None;
    AuthData auth_data{};
    uint8_t adver_int = 1;
    std::vector<uint32_t> addresses;  // our VIPs, host order
    uint32_t own_address = 0;         // our source address, to drop our own echoes
    bool unicast = false;
    std::vector<uint32_t> peers;      // unicast mode only
    std::vector<PeerTtl> peer_ttls;   // unicast mode: peers with a TTL range (others: any TTL)
};

struct Verdict {
    bool accepted = false;
    DropReason reason = DropReason::NotIpv4;  // meaningful only when !accepted
    bool address_mismatch = false;            // accepted anyway: see check_received()
    uint32_t source = 0;
    uint8_t ttl = 0;
    Advert advert;
};

// `ip_packet` starts with the IPv4 header, as a raw socket delivers it.
Verdict check_received(std::span<const uint8_t> ip_packet, const ReceiveExpect& expect);

// Per-reason drop counters plus the accepted-with-mismatched-addresses count.
struct ReceiveCounters {
    std::array<uint64_t, kDropReasons> dropped{};
    uint64_t address_mismatch = 0;
    uint64_t accepted = 0;
    void record(const Verdict& v);
};

}  // namespace vrrp
