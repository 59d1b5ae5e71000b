#include "healthcheck/tls_client.hpp"

#include "healthcheck/tls_socket.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace healthcheck {

namespace ssl = boost::asio::ssl;

TlsClient::TlsClient(const TlsOptions& o)
    : ctx_(ssl::context::tls_client), verify_(!o.ca.empty()), kernel_tls_(kernel_tls_available()) {
    boost::system::error_code ec;
    ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    SSL_CTX* raw = ctx_.native_handle();
    // Client-side caching lets SSL_get1_session hand back sessions (and TLS 1.3 tickets) for resumption.
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    // TLS 1.3 traffic secrets reach each connection's TlsSocket, so that a kept connection can go to the kernel.
    if (kernel_tls_) SSL_CTX_set_keylog_callback(raw, &TlsSocket::on_key_log);
    if (verify_) {
        ctx_.load_verify_file(o.ca, ec);
        if (ec) throw std::runtime_error("SSL ca " + o.ca + ": " + ec.message());
        ctx_.set_verify_mode(ssl::verify_peer);
    } else {
        ctx_.set_verify_mode(ssl::verify_none);
        spdlog::warn("SSL_GET: no SSL ca configured, server certificates are NOT verified");
    }
    if (!o.certificate.empty()) {
        ctx_.use_certificate_chain_file(o.certificate, ec);
        if (ec) throw std::runtime_error("SSL certificate " + o.certificate + ": " + ec.message());
        ctx_.use_private_key_file(o.key.empty() ? o.certificate : o.key, ssl::context::pem, ec);
        if (ec) throw std::runtime_error("SSL key " + (o.key.empty() ? o.certificate : o.key) + ": " + ec.message());
        if (SSL_CTX_check_private_key(raw) != 1)
            throw std::runtime_error("SSL key " + o.key + " does not match certificate " + o.certificate);
    } else if (!o.key.empty()) {
        throw std::runtime_error("SSL key " + o.key + " given without a certificate");
    }
}

void TlsSessionCache::clear() {
    der_.clear();
    der_.shrink_to_fit();
}

void TlsSessionCache::apply(void* ssl) const {
    if (der_.empty()) return;
    const unsigned char* p = der_.data();
    SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(der_.size()));
    if (!s) return;  // a full handshake then, whose session replaces this one
    SSL_set_session(static_cast<SSL*>(ssl), s);  // takes its own reference
    SSL_SESSION_free(s);
}

namespace {

// A DER length at `p` (at most `left` bytes); false when it does not fit.
bool read_length(const unsigned char*& p, size_t& left, size_t& len) {
    if (left == 0) return false;
    unsigned char first = *p++;
    --left;
    if (first < 0x80) {
        len = first;
        return true;
    }
    size_t bytes = first & 0x7f;
    if (bytes == 0 || bytes > sizeof(size_t) || bytes > left) return false;
    len = 0;
    for (size_t i = 0; i < bytes; ++i) len = len << 8 | *p++;
    left -= bytes;
    return true;
}

void write_length(std::vector<unsigned char>& out, size_t len) {
    if (len < 0x80) return out.push_back(static_cast<unsigned char>(len));
    unsigned char bytes[sizeof(size_t)];
    size_t n = 0;
    for (size_t v = len; v; v >>= 8) bytes[n++] = static_cast<unsigned char>(v);
    out.push_back(static_cast<unsigned char>(0x80 | n));
    while (n) out.push_back(bytes[--n]);
}

bool decodes(const std::vector<unsigned char>& der) {
    const unsigned char* p = der.data();
    SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(der.size()));
    SSL_SESSION_free(s);
    return s != nullptr;
}

}  // namespace

std::vector<unsigned char> session_without_peer_certificate(const std::vector<unsigned char>& der) {
    const unsigned char* p = der.data();
    size_t left = der.size(), body;
    if (left < 2 || *p != 0x30) return {};
    ++p;
    --left;
    if (!read_length(p, left, body) || body != left) return {};
    std::vector<unsigned char> fields;
    fields.reserve(body);
    while (left > 0) {
        const unsigned char* start = p;
        unsigned char tag = *p++;
        --left;
        size_t len;
        if ((tag & 0x1f) == 0x1f || !read_length(p, left, len) || len > left) return {};
        p += len;
        left -= len;
        if (tag != 0xa3) fields.insert(fields.end(), start, p);
    }
    std::vector<unsigned char> out{0x30};
    write_length(out, fields.size());
    out.insert(out.end(), fields.begin(), fields.end());
    return out;
}

void TlsSessionCache::store(void* ssl) {
    SSL_SESSION* s = SSL_get1_session(static_cast<SSL*>(ssl));
    if (!s) return;
    int n = SSL_SESSION_is_resumable(s) ? i2d_SSL_SESSION(s, nullptr) : 0;
    if (n > 0) {
        der_.resize(static_cast<size_t>(n));
        unsigned char* p = der_.data();
        i2d_SSL_SESSION(s, &p);
        auto slim = session_without_peer_certificate(der_);
        if (!slim.empty() && decodes(slim)) der_ = std::move(slim);
        der_.shrink_to_fit();
    }
    SSL_SESSION_free(s);
}

}  // namespace healthcheck
