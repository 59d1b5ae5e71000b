#pragma once
// The TCP (and TLS) connection an HTTP check runs over. A checker with keep-alive keeps it between checks,
// so a check is one request and one response on an open connection instead of connect + handshake + close.
#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "healthcheck/tls_socket.hpp"

namespace healthcheck {

class HttpConnection {
public:
    using TlsStream = TlsSocket;

    explicit HttpConnection(boost::asio::io_context& io) : sock(io), opened(std::chrono::steady_clock::now()) {}
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Whether the next request may go out on it: still open, and the peer has sent nothing since the last
    // response (no FIN, no reset, no TLS alert, no stray bytes). A server that closed an idle keep-alive
    // connection is seen here, before a request is lost on it.
    bool idle_and_open();
    void close();

    boost::asio::ip::tcp::socket sock;
    std::optional<TlsStream> tls;     // over `sock`; set once the TLS handshake started
    unsigned responses = 0;           // complete responses read on it
    std::chrono::steady_clock::time_point opened;
};

}  // namespace healthcheck
