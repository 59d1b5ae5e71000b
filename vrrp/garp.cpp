#include "vrrp/garp.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vrrp/link.hpp"

namespace vrrp {

std::vector<uint8_t> build_garp_frame(const std::array<uint8_t, 6>& mac, uint32_t ip) {
    std::vector<uint8_t> f;
    f.reserve(42);
    auto put16 = [&](uint16_t v) {
        f.push_back(static_cast<uint8_t>(v >> 8));
        f.push_back(static_cast<uint8_t>(v));
    };
    auto put_ip = [&] {
        for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<uint8_t>(ip >> s));
    };
    f.insert(f.end(), 6, 0xff);              // Ethernet destination: broadcast
    f.insert(f.end(), mac.begin(), mac.end());
    put16(0x0806);                           // EtherType ARP
    put16(1);                                // hardware: Ethernet
    put16(0x0800);                           // protocol: IPv4
    f.push_back(6);
    f.push_back(4);
    put16(1);                                // request, as keepalived sends
    f.insert(f.end(), mac.begin(), mac.end());  // sender MAC
    put_ip();                                // sender IP = VIP
    f.insert(f.end(), 6, 0xff);              // target MAC: broadcast
    put_ip();                                // target IP = VIP: gratuitous
    return f;
}

GarpSender::~GarpSender() {
    if (fd_ >= 0) ::close(fd_);
}

Failure GarpSender::send(const std::string& ifname, uint32_t ip, int count) {
    if (interval_.count() == 0) return send_now(ifname, ip, count);
    if (!read_link(ifname)) return "no interface " + ifname;
    queue_.push_back({ifname, ip, count});
    if (!pumping_) pump();
    return std::nullopt;
}

void GarpSender::cancel() {
    queue_.clear();
    timer_.cancel();
    pumping_ = false;
}

void GarpSender::pump() {
    if (queue_.empty()) {
        pumping_ = false;
        return;
    }
    pumping_ = true;
    Pending& p = queue_.front();
    if (auto err = send_now(p.ifname, p.ip, 1)) {
        if (on_error) on_error(*err);
        queue_.pop_front();  // the rest of this burst would fail the same way
    } else if (--p.left <= 0) {
        queue_.pop_front();
    }
    if (queue_.empty()) {
        pumping_ = false;
        return;
    }
    timer_.expires_after(interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) pump();
    });
}

Failure GarpSender::send_now(const std::string& ifname, uint32_t ip, int count) {
    if (fd_ < 0) {
        fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ARP));
        if (fd_ < 0) return std::string("AF_PACKET socket: ") + std::strerror(errno);
    }
    auto link = read_link(ifname);
    if (!link) return "no interface " + ifname;
    auto frame = build_garp_frame(link->mac, ip);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = link->ifindex;
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    for (int i = 0; i < count; ++i) {
        if (::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
            return std::string("sendto: ") + std::strerror(errno);
        ++sent_;
    }
    return std::nullopt;
}

}  // namespace vrrp
