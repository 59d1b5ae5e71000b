#include "healthcheck/http_connection.hpp"

#include <cerrno>
#include <sys/socket.h>

namespace healthcheck {

bool HttpConnection::idle_and_open() {
    if (!sock.is_open()) return false;
    // OpenSSL may hold bytes it read past the last response (a TLS alert, a post-handshake message).
    if (tls && !tls->in_kernel() && SSL_pending(tls->native_handle()) > 0) return false;
    // With the kernel's TLS a peek sees records, not bytes: an alert or ticket fails it, which is as good.
    char byte;
    ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void HttpConnection::close() {
    boost::system::error_code ignored;
    sock.close(ignored);
}

}  // namespace healthcheck
