#pragma once
// A VRRP payload as a raw socket receives it: behind an IPv4 header (no options). Receivers of raw sockets
// do not check the header checksum (the kernel did), so it is left zero.
#include <cstdint>
#include <vector>

#include "vrrp/packet.hpp"

namespace vrrp_test {

inline std::vector<uint8_t> ipv4_packet(const std::vector<uint8_t>& payload, uint8_t ttl, uint32_t src,
                                        uint32_t dst = vrrp::kMulticastGroup, uint8_t proto = vrrp::kProtocol) {
    std::vector<uint8_t> p = {0x45, 0, 0, 0, 0, 0, 0, 0, ttl, proto, 0, 0};
    size_t total = 20 + payload.size();
    p[2] = static_cast<uint8_t>(total >> 8);
    p[3] = static_cast<uint8_t>(total);
    for (uint32_t a : {src, dst})
        for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<uint8_t>(a >> s));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

}  // namespace vrrp_test
