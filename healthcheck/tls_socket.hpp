#pragma once
// TLS on a connected TCP socket, driven by OpenSSL directly on the socket's descriptor, with the io_context
// waiting for readiness between tries. Boost.Asio's ssl::stream would do the same work through a BIO pair
// and two record-sized buffers of its own: ~68 KiB per connection for as long as it lives, which a
// keep-alive health check holds open between checks for every real server. Here an idle connection costs
// OpenSSL's own state only (its record buffers are released while idle: SSL_MODE_RELEASE_BUFFERS), and
// nothing of OpenSSL's once hand_to_kernel() gave the records to the kernel (kernel_tls.hpp).
#include <functional>
#include <memory>
#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "healthcheck/kernel_tls.hpp"

namespace healthcheck {

class TlsSocket {
public:
    using Handler = std::function<void(const boost::system::error_code&, size_t)>;

    // A client over `sock` (connected, outliving this). Throws std::bad_alloc when OpenSSL cannot allocate.
    TlsSocket(boost::asio::ip::tcp::socket& sock, boost::asio::ssl::context& ctx);
    ~TlsSocket();
    TlsSocket(const TlsSocket&) = delete;
    TlsSocket& operator=(const TlsSocket&) = delete;

    // Null once the kernel has the connection.
    SSL* native_handle() { return ssl_; }
    bool in_kernel() const { return ssl_ == nullptr; }

    // After the handshake, with nothing in flight: gives both directions to the kernel and frees the SSL
    // object, or leaves things as they were (Unsupported), or leaves a connection to close (Broken).
    // Tried once per connection; later calls return Unsupported.
    KernelTls hand_to_kernel();

    // For SSL_CTX_set_keylog_callback on every context whose connections may go to the kernel: it is how
    // TLS 1.3 traffic secrets reach the socket they belong to.
    static void on_key_log(const SSL* ssl, const char* line);

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
    // The kernel's records: data as it is, a close_notify as eof, a TLS 1.3 session ticket skipped.
    void kernel_read(boost::asio::mutable_buffer into, Handler done, bool first);
    static void on_message(int write_p, int version, int content_type, const void* buf, size_t len, SSL* ssl, void* arg);

    boost::asio::ip::tcp::socket& sock_;
    SSL* ssl_;
    void drop_secrets();  // wiped first

    // Only from the handshake to the hand-off (TLS 1.3's key-log lines): a kept connection idles for a
    // delay_loop between checks, and 144 bytes on each of thousands of them add up.
    std::unique_ptr<TrafficSecrets> secrets_;
    RecordCounts records_, at_handshake_;
    bool kernel_tried_ = false;
};

}  // namespace healthcheck
