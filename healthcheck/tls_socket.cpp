#include "healthcheck/tls_socket.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <linux/tls.h>
#include <new>
#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

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

// A hex string into `out`; its length, or 0 when it does not fit or is not hex.
size_t from_hex(const char* hex, unsigned char* out, size_t cap) {
    size_t n = std::strlen(hex);
    if (n % 2 || n / 2 > cap) return 0;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; i < n; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(hex[i]))) return 0;
    for (size_t i = 0; i < n / 2; ++i) out[i] = static_cast<unsigned char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return n / 2;
}

// Hands an operation's result to its handler. A result found on the first try, inside the initiating
// call, is posted: as with every Asio completion, the handler never runs before that call returns.
template <class Handler, class... Results>
void complete(asio::ip::tcp::socket& sock, bool first, Handler done, Results... results) {
    if (first) asio::post(sock.get_executor(), [done = std::move(done), results...] { done(results...); });
    else done(results...);
}

}  // namespace

TlsSocket::TlsSocket(asio::ip::tcp::socket& sock, asio::ssl::context& ctx) : sock_(sock), ssl_(SSL_new(ctx.native_handle())) {
    if (!ssl_) throw std::bad_alloc();
    SSL_set_fd(ssl_, static_cast<int>(sock_.native_handle()));
    SSL_set_connect_state(ssl_);
    // A kept connection is idle for a delay_loop between checks: its record buffers (~34 KiB) go back to
    // the heap meanwhile. Set here, for every context (care's probe has its own).
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
    SSL_set_app_data(ssl_, this);
    SSL_set_msg_callback(ssl_, &TlsSocket::on_message);
    SSL_set_msg_callback_arg(ssl_, this);
    error_code ignored;
    sock_.non_blocking(true, ignored);
}

TlsSocket::~TlsSocket() {
    drop_secrets();
    SSL_free(ssl_);
}

void TlsSocket::drop_secrets() {
    if (secrets_) secrets_->wipe();
    secrets_.reset();
}

// "<LABEL> <client random> <secret>" lines (NSS key log format); only the first application traffic
// secrets are kept.
void TlsSocket::on_key_log(const SSL* ssl, const char* line) {
    auto* self = static_cast<TlsSocket*>(SSL_get_app_data(ssl));
    if (!self) return;
    auto take = [line](const char* label, auto& into, size_t& len) {
        size_t l = std::strlen(label);
        if (std::strncmp(line, label, l) != 0 || line[l] != ' ') return;
        const char* secret = std::strchr(line + l + 1, ' ');
        if (secret) len = from_hex(secret + 1, into.data(), into.size());
    };
    if (!self->secrets_) self->secrets_ = std::make_unique<TrafficSecrets>();
    take("CLIENT_TRAFFIC_SECRET_0", self->secrets_->client, self->secrets_->client_len);
    take("SERVER_TRAFFIC_SECRET_0", self->secrets_->server, self->secrets_->server_len);
}

// Every record OpenSSL reads or writes passes here with its header first: the sequence numbers the kernel
// must continue from.
void TlsSocket::on_message(int write_p, int, int content_type, const void*, size_t, SSL*, void* arg) {
    if (content_type != SSL3_RT_HEADER) return;
    auto* self = static_cast<TlsSocket*>(arg);
    ++(write_p ? self->records_.sent : self->records_.received);
}

KernelTls TlsSocket::hand_to_kernel() {
    if (!ssl_ || kernel_tried_ || !SSL_is_init_finished(ssl_)) return KernelTls::Unsupported;
    kernel_tried_ = true;
    RecordCounts after{records_.sent - at_handshake_.sent, records_.received - at_handshake_.received};
    KernelTls r = install_kernel_tls(static_cast<int>(sock_.native_handle()), ssl_,
                                     secrets_ ? *secrets_ : TrafficSecrets{}, after);
    drop_secrets();
    if (r == KernelTls::Installed) {
        // The socket's BIO does not own the descriptor: freeing the SSL object leaves the connection open.
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    return r;
}

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
    complete(sock_, first, std::move(done), ec, ret > 0 ? ret : 0);
}

void TlsSocket::async_handshake(std::function<void(const error_code&)> done) {
    drive([this] { return SSL_do_handshake(ssl_); },
          [this, done = std::move(done)](const error_code& ec, int) {
              at_handshake_ = records_;
              done(ec);
          },
          true);
}

void TlsSocket::async_write(asio::const_buffer data, Handler done) {
    if (!ssl_) return asio::async_write(sock_, data, std::move(done));  // the kernel seals it into records
    // Without SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_write returns only when all of it is written.
    drive([this, data] { return SSL_write(ssl_, data.data(), static_cast<int>(data.size())); },
          [done = std::move(done)](const error_code& ec, int n) { done(ec, static_cast<size_t>(n)); }, true);
}

void TlsSocket::async_read_some(asio::mutable_buffer into, Handler done) {
    if (!ssl_) return kernel_read(into, std::move(done), true);
    drive([this, into] { return SSL_read(ssl_, into.data(), static_cast<int>(into.size())); },
          [done = std::move(done)](const error_code& ec, int n) { done(ec, static_cast<size_t>(n)); }, true);
}

}  // namespace healthcheck

namespace healthcheck {

void TlsSocket::kernel_read(asio::mutable_buffer into, Handler done, bool first) {
    for (;;) {
        iovec iov{into.data(), into.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(unsigned char))];
        msghdr m{};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(static_cast<int>(sock_.native_handle()), &m, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            sock_.async_wait(asio::socket_base::wait_read, [this, into, done = std::move(done)](const error_code& ec) mutable {
                if (ec) return done(ec, 0);
                kernel_read(into, std::move(done), false);
            });
            return;
        }
        unsigned char type = kTlsApplicationData;
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE) type = *CMSG_DATA(c);
        const auto* p = static_cast<const unsigned char*>(into.data());
        // A TLS 1.3 server may send session tickets at any time; this connection no longer needs them.
        if (n > 0 && type == kTlsHandshake && p[0] == SSL3_MT_NEWSESSION_TICKET) continue;
        error_code ec;
        size_t got = 0;
        if (n < 0) ec = {errno, boost::system::system_category()};           // EBADMSG: a record that did not decrypt
        else if (n == 0) ec = asio::ssl::error::stream_truncated;            // closed without close_notify
        else if (type == kTlsApplicationData) got = static_cast<size_t>(n);
        else if (type == kTlsAlert && n >= 2 && p[1] == SSL_AD_CLOSE_NOTIFY) ec = asio::error::eof;
        else ec = {EPROTO, boost::system::system_category()};               // another alert, a key update
        complete(sock_, first, std::move(done), ec, got);
        return;
    }
}

}  // namespace healthcheck
