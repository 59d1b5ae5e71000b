#include "healthcheck/http_checker.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sstream>

#include <boost/asio/ssl/error.hpp>

namespace healthcheck {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

HttpChecker::HttpChecker(asio::io_context& io, Policy p, HttpTarget t) : Checker(io, p), target_(std::move(t)) {
    if (target_.urls.empty()) target_.urls.push_back(UrlCheck{});
}

HttpChecker::~HttpChecker() = default;

std::string HttpChecker::describe() const {
    std::ostringstream o;
    o << (target_.tls ? "SSL_GET " : "HTTP_GET ") << target_.tcp.endpoint;
    return o.str();
}

std::string HttpChecker::request_for(const UrlCheck& u) const {
    std::string host = u.virtualhost.empty() ? target_.virtualhost : u.virtualhost;
    if (host.empty()) {
        auto a = target_.tcp.endpoint.address();
        host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
        host += ":" + std::to_string(target_.tcp.endpoint.port());
    }
    std::string version = target_.protocol.rfind("1.1", 0) == 0 ? "1.1" : "1.0";
    // Said for 1.1 too, where it is the default: a server reading it has no doubt, whatever it assumes.
    const char* connection = keeps_alive() ? "keep-alive" : "close";
    return "GET " + u.path + " HTTP/" + version + "\r\nUser-Agent: lvs-director\r\nHost: " + host +
           "\r\nConnection: " + connection + "\r\n\r\n";
}

// http_protocol 1.0C / 1.1C ask for `Connection: close` in keepalived's grammar.
bool HttpChecker::keeps_alive() const { return target_.keepalive_requests > 1 && target_.protocol.back() != 'C'; }

void HttpChecker::exchange(Done done) { fetch(0, true, true, false, std::move(done)); }

void HttpChecker::abort() {
    if (current_) current_->abort();
    current_.reset();
    if (kept_) retire(kept_);
    kept_.reset();
}

std::shared_ptr<HttpConnection> HttpChecker::take_kept() {
    auto c = std::move(kept_);
    if (!c) return nullptr;
    bool worn = c->responses >= target_.keepalive_requests ||
                std::chrono::steady_clock::now() - c->opened >= target_.keepalive_max_age;
    if (worn || !c->idle_and_open()) {
        if (!worn) ++stale_;
        retire(c);
        return nullptr;
    }
    return c;
}

void HttpChecker::retire(const std::shared_ptr<HttpConnection>& c) {
    // Marks the TLS connection as cleanly finished, so OpenSSL leaves its session resumable.
    if (c->tls && !c->tls->in_kernel()) SSL_set_shutdown(c->tls->native_handle(), SSL_SENT_SHUTDOWN);
    c->close();
}

void HttpChecker::hand_to_kernel(HttpConnection& c) {
    // Broken: the kernel took one direction only, so no TLS is left to carry on with.
    if (c.tls->hand_to_kernel() == KernelTls::Broken) {
        retire(kept_);
        kept_.reset();
    }
}

namespace {

std::string tls_error(const error_code& ec, SSL* s) {
    long v = SSL_get_verify_result(s);
    if (v != X509_V_OK) return std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) return "connection closed during tls handshake";
    return "tls handshake: " + ec.message();
}

bool is_ip_literal(const std::string& s) {
    error_code ec;
    asio::ip::make_address(s, ec);
    return !ec;
}

}  // namespace

void HttpChecker::prepare_tls(HttpExchange::TlsStream& stream) const {
    const HttpTarget& t = target_;
    SSL* s = stream.native_handle();
    std::string sni = t.sni_name.empty() ? t.virtualhost : t.sni_name;
    if ((t.enable_sni || !t.sni_name.empty()) && !sni.empty() && !is_ip_literal(sni))
        SSL_set_tlsext_host_name(s, sni.c_str());
    if (t.tls->verifies()) {
        X509_VERIFY_PARAM* param = SSL_get0_param(s);
        if (!t.sni_name.empty()) {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            if (is_ip_literal(t.sni_name)) X509_VERIFY_PARAM_set1_ip_asc(param, t.sni_name.c_str());
            else X509_VERIFY_PARAM_set1_host(param, t.sni_name.c_str(), 0);
        } else {
            // kubeadm's apiserver certificates carry the node IPs as IP SANs.
            X509_VERIFY_PARAM_set1_ip_asc(param, t.tcp.endpoint.address().to_string().c_str());
        }
    }
    sessions_.apply(s);
}

std::optional<std::string> HttpChecker::judge(const UrlCheck& u, const HttpExchange::Outcome& o) {
    using F = HttpExchange::Failure;
    switch (o.failure) {
        case F::Socket: return o.socket_error;
        case F::Connect: return describe_error(o.error);
        case F::TlsHandshake:
            // A session that failed once is not offered again.
            sessions_.clear();
            return tls_error(o.error, o.tls->native_handle());
        case F::Write: return "write request: " + describe_error(o.error);
        case F::Read: return "read response: " + describe_error(o.error);
        case F::Response: return o.response->error();
        case F::None: break;
    }
    int code = o.response->status();
    if (!u.status.accepts(code)) return "HTTP " + std::to_string(code) + " not an accepted status_code";
    if (u.digest && o.response->body_md5_hex() != *u.digest)
        return "digest mismatch on " + u.path + ": body MD5 " + o.response->body_md5_hex();
    return std::nullopt;
}

// The urls one after the other, over the kept connection while the server allows it; the check passes when
// every url did, counts as resumed when every TLS handshake of it was, and as reused when it made none.
void HttpChecker::fetch(size_t index, bool reused_so_far, bool resumed_so_far, bool fresh, Done done) {
    const UrlCheck& u = target_.urls[index];
    HttpExchange::Options o;
    o.tcp = target_.tcp;
    o.request = request_for(u);
    o.digest = u.digest.has_value();
    if (!fresh && keeps_alive()) o.reuse = take_kept();
    if (target_.tls) {
        o.tls = &target_.tls->context();
        o.prepare_tls = [this](HttpExchange::TlsStream& s) { prepare_tls(s); };
    }
    o.on_phase = [this](const char* p) { set_phase(p); };
    auto self = std::static_pointer_cast<HttpChecker>(shared_from_this());
    current_ = HttpExchange::start(io_, std::move(o), [self, index, reused_so_far, resumed_so_far, done](const HttpExchange::Outcome& r) {
        // Dropped at once (the exchange lives on until its handler returns): kept until the next check, its
        // TLS stream and buffers held ~90 KiB per real server between checks.
        self->current_.reset();
        using F = HttpExchange::Failure;
        if (r.reused && !r.answered && (r.failure == F::Write || r.failure == F::Read || r.failure == F::Response)) {
            // The server closed the kept connection while the request was on its way: not the server's
            // failure. Once more on a new connection, within the same deadline.
            ++self->stale_;
            return self->fetch(index, reused_so_far, resumed_so_far, true, done);
        }
        // Kept whenever the response came whole, a refused status or wrong digest included.
        if (self->keeps_alive()) self->kept_ = r.keep;
        const UrlCheck& url = self->target_.urls[index];
        if (auto why = self->judge(url, r)) return done(failed(std::move(*why)));
        bool resumed = resumed_so_far, reused = reused_so_far && r.reused;
        if (r.tls && !r.reused) {
            SSL* s = r.tls->native_handle();
            resumed = resumed && SSL_session_reused(s) == 1;
            self->sessions_.store(s);
        } else if (!r.tls) {
            resumed = false;
        }
        if (!self->kept_ && r.tls && !r.tls->in_kernel()) SSL_set_shutdown(r.tls->native_handle(), SSL_SENT_SHUTDOWN);
        if (self->kept_ && self->kept_->tls && self->target_.tls->kernel_tls()) self->hand_to_kernel(*self->kept_);
        if (index + 1 < self->target_.urls.size()) return self->fetch(index + 1, reused, resumed, false, done);
        CheckResult ok = passed("HTTP " + std::to_string(r.response->status()));
        ok.tls_resumed = resumed && !reused;
        ok.connection_reused = reused;
        ok.kernel_tls = self->kept_ && self->kept_->tls && self->kept_->tls->in_kernel();
        done(std::move(ok));
    });
}

}  // namespace healthcheck
