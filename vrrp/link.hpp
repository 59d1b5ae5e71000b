#pragma once
// What the instance needs to know about a network interface, read fresh each time (interfaces come and
// go; a cached ifindex would go stale).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vrrp {

struct LinkInfo {
    int ifindex = 0;
    bool up = false;       // IFF_UP and IFF_RUNNING (carrier)
    std::array<uint8_t, 6> mac{};
};

// nullopt when the interface does not exist.
std::optional<LinkInfo> read_link(const std::string& ifname);
// The first IPv4 address on `ifname` that is not in `skip` (our own VIPs), host order.
std::optional<uint32_t> primary_ipv4(const std::string& ifname, const std::vector<uint32_t>& skip);

}  // namespace vrrp
