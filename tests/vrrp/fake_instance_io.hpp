#pragma once
// An InstanceIo that touches nothing: it records, in order, what the instance asked of the system, and
// runs the instance's timers on a simulated clock that the test steps with advance().
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "host/ipv4.hpp"
#include "vrrp/instance_io.hpp"
#include "vrrp/packet.hpp"

namespace vrrp_test {

using namespace vrrp;

class FakeInstanceIo final : public InstanceIo {
public:
    // One line per request, in order: "advert 100", "add 10.120.100.100", "remove ...", "garp ... x5",
    // "cancel garp". The decoded adverts are in `adverts`.
    std::vector<std::string> log;
    std::vector<Advert> adverts;
    // The interface's state and first address as the instance will read them.
    bool link_up = true;
    std::optional<uint32_t> address;
    // VIPs whose add fails with this reason.
    std::map<uint32_t, std::string> add_fails;
    bool socket_open = false;

    TimePoint now() const override { return now_; }
    void arm(Timer t, TimePoint at, std::function<void()> fired) override { armed_[t] = {at, std::move(fired)}; }
    void cancel(Timer t) override { armed_.erase(t); }

    // Moves the clock forward by `d`, firing every timer that falls due on the way, each at its own time.
    void advance(Duration d) {
        const TimePoint until = now_ + d;
        for (;;) {
            auto next = std::min_element(armed_.begin(), armed_.end(),
                                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
            if (next == armed_.end() || next->second.at > until) break;
            now_ = std::max(now_, next->second.at);
            auto fired = std::move(next->second.fired);
            armed_.erase(next);
            fired();
        }
        now_ = until;
    }

    // Hands `packet` (IPv4 header and VRRP payload) to the instance as its socket would.
    void deliver(const std::vector<uint8_t>& packet) {
        if (socket_open && on_packet_) on_packet_(packet);
    }

    std::optional<LinkInfo> link(const std::string&) override {
        LinkInfo l;
        l.ifindex = 2;
        l.up = link_up;
        return l;
    }
    std::optional<uint32_t> primary_ipv4(const std::string&, const std::vector<uint32_t>&) override { return address; }

    std::unique_ptr<AdvertSocket> socket(const SocketSpec&) override { return std::make_unique<Socket>(*this); }

    Failure add_vip(const VipSpec& v) override {
        if (auto it = add_fails.find(v.address); it != add_fails.end()) return it->second;
        log.push_back("add " + host::format_ipv4(v.address));
        return std::nullopt;
    }
    Failure remove_vip(const VipSpec& v) override {
        log.push_back("remove " + host::format_ipv4(v.address));
        return std::nullopt;
    }

    void set_garp_interval(Duration) override {}
    Failure send_garp(const std::string&, uint32_t ip, int count) override {
        log.push_back("garp " + host::format_ipv4(ip) + " x" + std::to_string(count));
        garps_ += static_cast<uint64_t>(count);
        return std::nullopt;
    }
    void cancel_garp() override { log.push_back("cancel garp"); }
    uint64_t garps_sent() const override { return garps_; }

private:
    struct Wait {
        TimePoint at;
        std::function<void()> fired;
    };
    class Socket final : public AdvertSocket {
    public:
        explicit Socket(FakeInstanceIo& io) : io_(io) {}
        ~Socket() override { io_.socket_open = false; }
        Failure open(Handler on_packet) override {
            io_.on_packet_ = std::move(on_packet);
            io_.socket_open = true;
            return std::nullopt;
        }
        Failure send(const std::vector<uint8_t>& payload) override {
            if (!io_.socket_open) return "socket is closed";
            auto d = decode(payload);
            if (!d.advert) return "not an advert";
            io_.log.push_back("advert " + std::to_string(d.advert->priority));
            io_.adverts.push_back(*d.advert);
            return std::nullopt;
        }
        void close() override { io_.socket_open = false; }
        bool is_open() const override { return io_.socket_open; }

    private:
        FakeInstanceIo& io_;
    };

    TimePoint now_ = TimePoint{} + std::chrono::seconds(1000);
    std::map<Timer, Wait> armed_;
    Socket::Handler on_packet_;
    uint64_t garps_ = 0;
};

}  // namespace vrrp_test
