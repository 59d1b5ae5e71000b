#pragma once
// TLS on a connected TCP socket, driven by OpenSSL directly on the socket's descriptor, with the io_context
// waiting for readiness between tries. Boost.Asio's ssl::stream would do the same work through a BIO pair
// and two record-sized buffers of its own: ~68 KiB per connection for as long as it lives, which a
// keep-alive health check holds open between checks for every real server. Here an idle connection costs
// OpenSSL's own state only (its record buffers are released while idle: SSL_MODE_RELEASE_BUFFERS).
#include <functional>
#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace healthcheck {

class TlsSocket {
public:
    using Handler = std::function<void(const boost::system::error_code&, size_t)>;

    // A client over `sock` (connected, outliving this). Throws std::bad_alloc when OpenSSL cannot allocate.
    TlsSocket(boost::asio::ip::tcp::socket& sock, boost::asio::ssl::context& ctx);
    ~TlsSocket();
    TlsSocket(const TlsSocket&) = delete;
    TlsSocket& operator=(const TlsSocket&) = delete;

    SSL* native_handle() { return ssl_; }

    // Each calls `done` once, from the io_context, never from inside the call. Errors as Asio's ssl::stream
    // reports them: eof for a close_notify, ssl::error::stream_truncated for a close without one, the
    // OpenSSL error in Asio's ssl category otherwise. One operation at a time.
    void async_handshake(std::function<void(const boost::system::error_code&)> done);
    void async_write(boost::asio::const_buffer data, Handler done);      // all of it, or an error
    void async_read_some(boost::asio::mutable_buffer into, Handler done);  // at least one byte, or an error

private:
    // Tries `op` (an SSL call returning its result) until it succeeds or fails, waiting for the socket to
    // become readable or writable as OpenSSL asks.
    void drive(std::function<int()> op, std::function<void(const boost::system::error_code&, int)> done, bool first);

    boost::asio::ip::tcp::socket& sock_;
    SSL* ssl_;
};

}  // namespace healthcheck
