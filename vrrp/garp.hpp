#pragma once
// Gratuitous ARP: an ARP request for the VIP from the VIP, broadcast, so switches and neighbours learn
// the new master's MAC at once instead of after their ARP cache times out.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "vrrp/failure.hpp"

namespace vrrp {

// The 42-byte Ethernet frame (no FCS). Pure, for unit tests.
std::vector<uint8_t> build_garp_frame(const std::array<uint8_t, 6>& mac, uint32_t ip);

// Sends bursts of gratuitous ARPs. With an interval (vrrp_garp_interval / garp_interval) successive frames
// leave that far apart, for switches that drop or rate-limit ARP floods; the rest wait in a queue.
class GarpSender {
public:
    explicit GarpSender(boost::asio::io_context& io) : timer_(io) {}
    ~GarpSender();
    GarpSender(const GarpSender&) = delete;
    GarpSender& operator=(const GarpSender&) = delete;
    void set_interval(std::chrono::microseconds interval) { interval_ = interval; }
    // Sends (or queues) `count` copies for `ip` on `ifname`. Returns "" or why it cannot; a paced frame that
    // fails later is reported through on_error.
    Failure send(const std::string& ifname, uint32_t ip, int count);
    // Drops what is still queued (the VIPs are gone: announcing them would pull traffic to a backup).
    void cancel();
    uint64_t sent() const { return sent_; }
    std::function<void(const std::string&)> on_error;

private:
    struct Pending {
        std::string ifname;
        uint32_t ip;
        int left;
    };
    Failure send_now(const std::string& ifname, uint32_t ip, int count);
    void pump();

    int fd_ = -1;
    uint64_t sent_ = 0;
    std::chrono::microseconds interval_{0};
    std::deque<Pending> queue_;
    boost::asio::steady_timer timer_;
    bool pumping_ = false;
};

}  // namespace vrrp
