#include "healthcheck/http_checker.hpp"

#include <array>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace healthcheck {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

// One url fetch over one connection. Kept alive by its pending handler; the checker only holds a weak
// reference so it can abort it.
struct HttpChecker::Fetch : std::enable_shared_from_this<Fetch> {
    Fetch(std::shared_ptr<HttpChecker> c, size_t i, Done d)
        : checker(std::move(c)), index(i), done(std::move(d)), sock(checker->io_),
          parser(checker->target_.urls[i].digest.has_value()) {}
    std::shared_ptr<HttpChecker> checker;
    size_t index;
    Done done;
    tcp::socket sock;
    std::optional<ssl::stream<tcp::socket&>> tls;
    HttpResponseParser parser;
    std::string request;
    std::array<char, 16384> buf{};
    bool resumed = false;

    void close() {
        error_code ignored;
        sock.close(ignored);
    }
    void fail(std::string why) {
        close();
        done(failed(std::move(why)));
    }
    void start();
    void handshake();
    void send();
    void read();
    void complete();
};

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
    return "GET " + u.path + " HTTP/" + version + "\r\nUser-Agent: lvs-director\r\nHost: " + host +
           "\r\nConnection: close\r\n\r\n";
}

void HttpChecker::exchange(Done done) { fetch(0, std::move(done)); }

void HttpChecker::abort() {
    if (auto f = current_.lock()) f->close();
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

void HttpChecker::fetch(size_t index, Done done) {
    auto f = std::make_shared<Fetch>(std::static_pointer_cast<HttpChecker>(shared_from_this()), index, std::move(done));
    current_ = f;
    f->start();
}

void HttpChecker::Fetch::start() {
    request = checker->request_for(checker->target_.urls[index]);
    if (auto err = open_and_bind(sock, checker->target_.tcp)) return fail(*err);
    checker->set_phase("connect");
    sock.async_connect(checker->target_.tcp.endpoint, [f = shared_from_this()](const error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) return f->fail(describe_error(ec));
        if (f->checker->target_.tls) f->handshake();
        else f->send();
    });
}

void HttpChecker::Fetch::handshake() {
    const HttpTarget& t = checker->target_;
    tls.emplace(sock, t.tls->context());
    SSL* s = tls->native_handle();
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
    checker->sessions_.apply(s);
    checker->set_phase("tls handshake");
    tls->async_handshake(ssl::stream_base::client, [f = shared_from_this()](const error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
            // A session that failed once is not offered again.
            f->checker->sessions_.clear();
            return f->fail(tls_error(ec, f->tls->native_handle()));
        }
        f->resumed = SSL_session_reused(f->tls->native_handle()) == 1;
        f->send();
    });
}

void HttpChecker::Fetch::send() {
    checker->set_phase("write request");
    auto h = [f = shared_from_this()](const error_code& ec, size_t) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) return f->fail("write request: " + describe_error(ec));
        f->checker->set_phase("read response");
        f->read();
    };
    if (tls) asio::async_write(*tls, asio::buffer(request), h);
    else asio::async_write(sock, asio::buffer(request), h);
}

void HttpChecker::Fetch::read() {
    auto h = [f = shared_from_this()](const error_code& ec, size_t n) {
        using S = HttpResponseParser::State;
        if (ec == asio::error::operation_aborted) return;
        S st = S::NeedMore;
        if (n > 0) st = f->parser.feed(f->buf.data(), n);
        if (st == S::NeedMore && ec) {
            if (ec == asio::error::eof || ec == ssl::error::stream_truncated) st = f->parser.eof();
            else return f->fail("read response: " + describe_error(ec));
        }
        if (st == S::Error) return f->fail(f->parser.error());
        if (st == S::Done) return f->complete();
        f->read();
    };
    if (tls) tls->async_read_some(asio::buffer(buf), h);
    else sock.async_read_some(asio::buffer(buf), h);
}

void HttpChecker::Fetch::complete() {
    const UrlCheck& u = checker->target_.urls[index];
    int code = parser.status();
    if (!u.status.accepts(code)) return fail("HTTP " + std::to_string(code) + " not an accepted status_code");
    if (u.digest && parser.body_md5_hex() != *u.digest)
        return fail("digest mismatch on " + u.path + ": body MD5 " + parser.body_md5_hex());
    if (tls) {
        checker->sessions_.store(tls->native_handle());
        // Marks the connection as cleanly finished so OpenSSL keeps the session resumable after we drop it.
        SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN);
    }
    close();
    if (index + 1 < checker->target_.urls.size()) {
        bool first_resumed = resumed;
        return checker->fetch(index + 1, [d = done, first_resumed](CheckResult r) {
            r.tls_resumed = r.tls_resumed && first_resumed;
            d(std::move(r));
        });
    }
    CheckResult r = passed("HTTP " + std::to_string(code));
    r.tls_resumed = resumed;
    done(std::move(r));
}

}  // namespace healthcheck
