#pragma once
// The raw IP protocol 112 socket of one instance: multicast to 224.0.0.18 joined on the interface, or
// unicast to each unicast_peer from unicast_src_ip. TTL 255 on everything sent.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "vrrp/failure.hpp"

namespace vrrp {

struct SocketSpec {
    std::string ifname;
    int ifindex = 0;
    uint32_t source = 0;           // host order
    bool unicast = false;
    std::vector<uint32_t> peers;   // unicast destinations
};

class VrrpSocket {
public:
    using Handler = std::function<void(std::span<const uint8_t> ip_packet)>;
    VrrpSocket(boost::asio::io_context& io, SocketSpec spec);
    ~VrrpSocket();
    // Returns "" or why the socket could not be set up.
    Failure open(Handler on_packet);
    // Sends the VRRP payload (the kernel adds the IP header). Returns "" or the last error.
    Failure send(const std::vector<uint8_t>& payload);
    void close();
    bool is_open() const { return sd_.is_open(); }

private:
    void wait();
    SocketSpec spec_;
    boost::asio::posix::stream_descriptor sd_;
    Handler on_packet_;
    std::vector<uint8_t> buf_;
};

}  // namespace vrrp
