#pragma once
// Gratuitous ARP: an ARP request for the VIP from the VIP, broadcast, so switches and neighbours learn
// the new master's MAC at once instead of after their ARP cache times out.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vrrp {

// The 42-byte Ethernet frame (no FCS). Pure, for unit tests.
std::vector<uint8_t> build_garp_frame(const std::array<uint8_t, 6>& mac, uint32_t ip);

class GarpSender {
public:
    GarpSender() = default;
    ~GarpSender();
    GarpSender(const GarpSender&) = delete;
    GarpSender& operator=(const GarpSender&) = delete;
    // Sends `count` copies for `ip` on `ifname`. Returns "" or why it failed.
    std::string send(const std::string& ifname, uint32_t ip, int count);
    uint64_t sent() const { return sent_; }

private:
    int fd_ = -1;
    uint64_t sent_ = 0;
};

}  // namespace vrrp
