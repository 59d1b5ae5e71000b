#include "vrrp/instance_io.hpp"

#include <boost/asio/steady_timer.hpp>

#include "vrrp/garp.hpp"

namespace vrrp {

namespace {

class SystemSocket final : public AdvertSocket {
public:
    SystemSocket(boost::asio::io_context& io, SocketSpec spec) : socket_(io, std::move(spec)) {}
    Failure open(Handler on_packet) override { return socket_.open(std::move(on_packet)); }
    Failure send(const std::vector<uint8_t>& payload) override { return socket_.send(payload); }
    void close() override { socket_.close(); }
    bool is_open() const override { return socket_.is_open(); }

private:
    VrrpSocket socket_;
};

class SystemIo final : public InstanceIo {
public:
    explicit SystemIo(boost::asio::io_context& io) : io_(io), garp_(io), machine_(io), link_poll_(io) {
        garp_.on_error = [this](const std::string& err) {
            if (on_garp_error) on_garp_error(err);
        };
    }

    TimePoint now() const override { return Clock::now(); }
    void arm(Timer t, TimePoint at, std::function<void()> fired) override {
        auto& timer = of(t);
        timer.expires_at(at);
        // Destroying the timer cancels the wait: `fired` is not called then.
        timer.async_wait([fired = std::move(fired)](boost::system::error_code ec) {
            if (!ec) fired();
        });
    }
    void cancel(Timer t) override { of(t).cancel(); }

    std::optional<LinkInfo> link(const std::string& ifname) override { return read_link(ifname); }
    std::optional<uint32_t> primary_ipv4(const std::string& ifname, const std::vector<uint32_t>& skip) override {
        return vrrp::primary_ipv4(ifname, skip);
    }

    std::unique_ptr<AdvertSocket> socket(const SocketSpec& spec) override {
        return std::make_unique<SystemSocket>(io_, spec);
    }

    Failure add_vip(const VipSpec& v) override { return vips_.add(v); }
    Failure remove_vip(const VipSpec& v) override { return vips_.remove(v); }

    void set_garp_interval(Duration interval) override { garp_.set_interval(interval); }
    Failure send_garp(const std::string& ifname, uint32_t ip, int count) override {
        return garp_.send(ifname, ip, count);
    }
    void cancel_garp() override { garp_.cancel(); }
    uint64_t garps_sent() const override { return garp_.sent(); }

private:
    boost::asio::steady_timer& of(Timer t) { return t == Timer::Machine ? machine_ : link_poll_; }

    boost::asio::io_context& io_;
    VipManager vips_;
    GarpSender garp_;
    boost::asio::steady_timer machine_, link_poll_;
};

}  // namespace

std::unique_ptr<InstanceIo> make_system_io(boost::asio::io_context& io) { return std::make_unique<SystemIo>(io); }

}  // namespace vrrp
