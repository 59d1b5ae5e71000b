#include "healthcheck/tcp_checker.hpp"

#include <sstream>

#include <boost/asio/error.hpp>
#include <cerrno>

namespace healthcheck {

namespace asio = boost::asio;
using asio::ip::tcp;

std::optional<std::string> open_and_bind(tcp::socket& s, const TcpTarget& t) {
    boost::system::error_code ec;
    s.open(t.endpoint.protocol(), ec);
    // Out of descriptors: the check fails like any other, and says which limit to look at.
    if (ec.category() == boost::system::system_category() && (ec.value() == EMFILE || ec.value() == ENFILE))
        return "socket: " + ec.message() + " (open files limit reached: see the director's open-files warning)";
    if (ec) return "socket: " + ec.message();
    // A check writes its request right after the TLS handshake's last flight: with Nagle on, that small
    // write waits for the server's delayed ACK (40 ms on Linux), which was most of an SSL_GET's latency.
    s.set_option(tcp::no_delay(true), ec);
    if (t.bindto) {
        s.bind(*t.bindto, ec);
        if (ec) return "bind to " + t.bindto->address().to_string() + ": " + ec.message();
    }
    return std::nullopt;
}

std::string describe_error(const boost::system::error_code& ec) {
    if (ec == asio::error::connection_refused) return "connection refused";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::eof) return "connection closed by server";
    if (ec == asio::error::host_unreachable) return "host unreachable";
    if (ec == asio::error::network_unreachable) return "network unreachable";
    return ec.message();
}

TcpChecker::TcpChecker(asio::io_context& io, Policy p, TcpTarget t) : Checker(io, p), target_(std::move(t)) {}

std::string TcpChecker::describe() const {
    std::ostringstream o;
    o << "TCP_CHECK " << target_.endpoint;
    return o.str();
}

void TcpChecker::exchange(Done done) {
    socket_ = std::make_shared<tcp::socket>(io_);
    if (auto err = open_and_bind(*socket_, target_)) return done(failed(*err));
    set_phase("connect");
    socket_->async_connect(target_.endpoint, [s = socket_, done](const boost::system::error_code& ec) {
        boost::system::error_code ignored;
        s->close(ignored);
        if (ec) return done(failed(describe_error(ec)));
        done(passed("connected"));
    });
}

void TcpChecker::abort() {
    if (socket_) {
        boost::system::error_code ignored;
        socket_->close(ignored);
    }
}

}  // namespace healthcheck
