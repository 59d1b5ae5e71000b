#pragma once
// Everything a vrrp::Instance does to the operating system, behind one interface: the clock and the
// instance's two timers, reading interfaces, the raw VRRP socket, adding and removing VIPs, gratuitous ARP.
//
// Why: the instance is the place where the pure StateMachine's actions meet the kernel, and without this seam
// it could only be tested as root in network namespaces, in real time (a Master_Down_Interval is over 3 s).
// A unit test hands the instance a fake that records what it was asked to do and steps a simulated clock.
// make_system_io() is the real one: it only forwards to VrrpSocket, VipManager, GarpSender, read_link,
// primary_ipv4 and asio steady_timers. virtual_routes / virtual_rules stay outside the seam (VirtualRoutes
// talks to the kernel itself): an instance without any never reaches the kernel there.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vrrp/link.hpp"
#include "vrrp/socket.hpp"
#include "vrrp/state_machine.hpp"
#include "vrrp/vip.hpp"

namespace vrrp {

// One instance's raw socket, as VrrpSocket offers it.
class AdvertSocket {
public:
    using Handler = VrrpSocket::Handler;
    virtual ~AdvertSocket() = default;
    // "" or why the socket could not be set up; `on_packet` gets each received IPv4 packet.
    virtual Failure open(Handler on_packet) = 0;
    // Sends one VRRP payload; "" or the error.
    virtual Failure send(const std::vector<uint8_t>& payload) = 0;
    virtual void close() = 0;
    virtual bool is_open() const = 0;
};

class InstanceIo {
public:
    // The instance's timers: the state machine's next deadline, and the poll of its interfaces.
    enum class Timer { Machine, LinkPoll };

    virtual ~InstanceIo() = default;

    virtual TimePoint now() const = 0;
    // `fired` runs once at `at` unless `t` is armed again or cancelled first (steady_timer's expires_at
    // and async_wait). It never runs after this object is gone.
    virtual void arm(Timer t, TimePoint at, std::function<void()> fired) = 0;
    virtual void cancel(Timer t) = 0;

    // read_link() and primary_ipv4() of vrrp/link.hpp.
    virtual std::optional<LinkInfo> link(const std::string& ifname) = 0;
    virtual std::optional<uint32_t> primary_ipv4(const std::string& ifname, const std::vector<uint32_t>& skip) = 0;

    // A new, not yet opened socket.
    virtual std::unique_ptr<AdvertSocket> socket(const SocketSpec& spec) = 0;

    // VipManager: "" or why; adding a present address and removing an absent one succeed.
    virtual Failure add_vip(const VipSpec& v) = 0;
    virtual Failure remove_vip(const VipSpec& v) = 0;

    // GarpSender.
    virtual void set_garp_interval(Duration interval) = 0;
    virtual Failure send_garp(const std::string& ifname, uint32_t ip, int count) = 0;
    virtual void cancel_garp() = 0;
    virtual uint64_t garps_sent() const = 0;
    // A paced gratuitous ARP failed after send_garp() had returned.
    std::function<void(const std::string&)> on_garp_error;
};

// The real system: raw sockets, rtnetlink, packet sockets and asio timers on `io`.
std::unique_ptr<InstanceIo> make_system_io(boost::asio::io_context& io);

}  // namespace vrrp
