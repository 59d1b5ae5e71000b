#include "healthcheck/tls_socket.hpp"

#include <cerrno>
#include <new>
#include <openssl/err.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

namespace healthcheck {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// The error of a failed SSL call, mapped the way Asio's ssl::stream maps it, so callers (and their
// wording) do not depend on which of the two carried the connection.
error_code error_of(SSL* s, int ret) {
    int e = SSL_get_error(s, ret);
    unsigned long queued = ERR_get_error();
    if (e == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    if (e == SSL_ERROR_SSL && ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        return asio::ssl::error::stream_truncated;
    if (e == SSL_ERROR_SYSCALL && queued == 0) {
        if (ret < 0 && errno != 0) return {errno, boost::system::system_category()};
        return asio::ssl::error::stream_truncated;
    }
    if (queued != 0) return {static_cast<int>(queued), asio::error::get_ssl_category()};
    return asio::ssl::error::unspecified_system_error;
}

}  // namespace

TlsSocket::TlsSocket(asio::ip::tcp::socket& sock, asio::ssl::context& ctx) : sock_(sock), ssl_(SSL_new(ctx.native_handle())) {
    if (!ssl_) throw std::bad_alloc();
    SSL_set_fd(ssl_, static_cast<int>(sock_.native_handle()));
    SSL_set_connect_state(ssl_);
    // A kept connection is idle for a delay_loop between checks: its record buffers (~34 KiB) go back to
    // the heap meanwhile. Set here, for every context (care's probe has its own).
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
    error_code ignored;
    sock_.non_blocking(true, ignored);
}

TlsSocket::~TlsSocket() { SSL_free(ssl_); }

void TlsSocket::drive(std::function<int()> op, std::function<void(const error_code&, int)> done, bool first) {
    ERR_clear_error();
    errno = 0;
    int ret = op();
    int want = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, ret);
    if (want == SSL_ERROR_WANT_READ || want == SSL_ERROR_WANT_WRITE) {
        auto w = want == SSL_ERROR_WANT_READ ? asio::socket_base::wait_read : asio::socket_base::wait_write;
        sock_.async_wait(w, [this, op = std::move(op), done = std::move(done)](const error_code& ec) mutable {
            if (ec) return done(ec, 0);
            drive(std::move(op), std::move(done), false);
        });
        return;
    }
    error_code ec = ret > 0 ? error_code{} : error_of(ssl_, ret);
    // The first try completes inside the caller's call: deferred, as every Asio completion is.
    if (first) asio::post(sock_.get_executor(), [done = std::move(done), ec, ret] { done(ec, ret > 0 ? ret : 0); });
    else done(ec, ret > 0 ? ret : 0);
}

void TlsSocket::async_handshake(std::function<void(const error_code&)> done) {
    drive([this] { return SSL_do_handshake(ssl_); }, [done = std::move(done)](const error_code& ec, int) { done(ec); }, true);
}

void TlsSocket::async_write(asio::const_buffer data, Handler done) {
    // Without SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_write returns only when all of it is written.
    drive([this, data] { return SSL_write(ssl_, data.data(), static_cast<int>(data.size())); },
          [done = std::move(done)](const error_code& ec, int n) { done(ec, static_cast<size_t>(n)); }, true);
}

void TlsSocket::async_read_some(asio::mutable_buffer into, Handler done) {
    drive([this, into] { return SSL_read(ssl_, into.data(), static_cast<int>(into.size())); },
          [done = std::move(done)](const error_code& ec, int n) { done(ec, static_cast<size_t>(n)); }, true);
}

}  // namespace healthcheck
