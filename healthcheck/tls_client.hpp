#pragma once
// The client TLS context shared by every SSL_GET checker of one configuration (keepalived's top-level
// `SSL { ca, certificate, key }`). With a CA, server chains are verified and their names checked; a
// client certificate is presented when configured (mTLS). Without a CA checks still run unverified and
// that is logged once, here, instead of on every check.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

namespace healthcheck {

struct TlsOptions {
    std::string ca;           // CA bundle file; empty: no verification
    std::string certificate;  // client certificate chain file (PEM)
    std::string key;          // its private key (PEM)
};

class TlsClient {
public:
    // Throws std::runtime_error naming the file when a CA/cert/key cannot be loaded.
    explicit TlsClient(const TlsOptions& o);
    boost::asio::ssl::context& context() { return ctx_; }
    bool verifies() const { return verify_; }
    // Whether connections kept between checks may hand their records to the kernel (kernel_tls.hpp).
    bool kernel_tls() const { return kernel_tls_; }

private:
    boost::asio::ssl::context ctx_;
    bool verify_;
    bool kernel_tls_;
};

// An SSL_SESSION in OpenSSL's DER encoding without the server's certificate (its optional [3] field), or
// empty when `der` is not a SEQUENCE of single-byte-tagged fields. Resuming needs the secrets and the
// ticket, not the certificate, which was verified in the full handshake; it was more than half of the
// ~0.9 KiB kept per real server.
std::vector<unsigned char> session_without_peer_certificate(const std::vector<unsigned char>& der);

// Per-server cache of the last TLS session, so the next check resumes instead of a full handshake.
class TlsSessionCache {
public:
    // Offers the stored session to a new connection.
    void apply(void* ssl) const;
    // Keeps the connection's session if it can be resumed.
    void store(void* ssl);
    void clear();

private:
    // The session in its DER form (secrets, ticket and the server's certificate: about 2 KiB) rather than
    // the live SSL_SESSION, whose parsed certificate chain held ~9 KiB per real server between checks.
    std::vector<unsigned char> der_;
};

}  // namespace healthcheck
