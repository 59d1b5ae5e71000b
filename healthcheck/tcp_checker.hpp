#pragma once
// TCP_CHECK: the server is up when a TCP connection to it completes within the timeout.
#include <optional>

#include <boost/asio/ip/tcp.hpp>

#include "healthcheck/checker.hpp"

namespace healthcheck {

struct TcpTarget {
    boost::asio::ip::tcp::endpoint endpoint;               // connect_ip:connect_port (default: the real server)
    std::optional<boost::asio::ip::tcp::endpoint> bindto;  // bindto / bind_port: local source
};

// Opens a socket to `t` and connects asynchronously; shared by TCP_CHECK and HTTP_GET.
// Returns an error message when the socket could not even be set up (bad bindto address).
std::optional<std::string> open_and_bind(boost::asio::ip::tcp::socket& s, const TcpTarget& t);
// Human words for a connect/IO error ("connection refused").
std::string describe_error(const boost::system::error_code& ec);

class TcpChecker final : public Checker {
public:
    TcpChecker(boost::asio::io_context& io, Policy p, TcpTarget t);
    std::string describe() const override;

protected:
    void exchange(Done done) override;
    void abort() override;

private:
    TcpTarget target_;
    std::shared_ptr<boost::asio::ip::tcp::socket> socket_;
};

}  // namespace healthcheck
