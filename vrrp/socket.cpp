#include "vrrp/socket.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vrrp/packet.hpp"

namespace vrrp {

namespace {
std::string sys(const char* what) { return std::string(what) + ": " + std::strerror(errno); }
}  // namespace

VrrpSocket::VrrpSocket(boost::asio::io_context& io, SocketSpec spec) : spec_(std::move(spec)), sd_(io), buf_(65536) {}

VrrpSocket::~VrrpSocket() { close(); }

void VrrpSocket::close() {
    boost::system::error_code ec;
    if (sd_.is_open()) sd_.close(ec);
}

Failure VrrpSocket::open(Handler on_packet) {
    on_packet_ = std::move(on_packet);
    int fd = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kProtocol);
    if (fd < 0) return sys("socket(AF_INET, SOCK_RAW, 112)");
    auto fail = [&](const char* what) {
        std::string e = sys(what);
        ::close(fd);
        return e;
    };
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, spec_.ifname.c_str(),
                     static_cast<socklen_t>(spec_.ifname.size())) != 0)
        return fail("SO_BINDTODEVICE");
    int ttl = kTtl;
    if (::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0) return fail("IP_TTL");
    if (spec_.unicast) {
        // Binding makes the kernel use our source address and deliver only adverts sent to us.
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(spec_.source);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) return fail("bind unicast_src_ip");
    } else {
        ip_mreqn m{};
        m.imr_multiaddr.s_addr = htonl(kMulticastGroup);
        m.imr_address.s_addr = htonl(spec_.source);
        m.imr_ifindex = spec_.ifindex;
        if (::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0) return fail("join 224.0.0.18");
        if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) != 0) return fail("IP_MULTICAST_IF");
        if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0) return fail("IP_MULTICAST_TTL");
        int loop = 0;
        if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0)
            return fail("IP_MULTICAST_LOOP");
    }
    sd_.assign(fd);
    wait();
    return std::nullopt;
}

void VrrpSocket::wait() {
    sd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
        if (ec) return;  // closed
        for (;;) {
            ssize_t n = ::recv(sd_.native_handle(), buf_.data(), buf_.size(), 0);
            if (n < 0) break;  // EAGAIN: drained
            on_packet_(std::span<const uint8_t>(buf_.data(), static_cast<size_t>(n)));
            if (!sd_.is_open()) return;
        }
        wait();
    });
}

Failure VrrpSocket::send(const std::vector<uint8_t>& payload) {
    if (!sd_.is_open()) return "socket is closed";
    Failure err;
    auto send_to = [&](uint32_t dst) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(dst);
        if (::sendto(sd_.native_handle(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) < 0)
            err = sys("sendto");
    };
    if (spec_.unicast)
        for (uint32_t p : spec_.peers) send_to(p);
    else
        send_to(kMulticastGroup);
    return err;
}

}  // namespace vrrp
