#include "director/care/prober.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/spdlog.h>

#include "healthcheck/http_exchange.hpp"

namespace director::care {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using healthcheck::HttpExchange;

namespace {

const char* scheme_name(Scheme s) { return s == Scheme::Https ? "https" : s == Scheme::Http ? "http" : "tcp"; }

std::string url(const ProbeSettings& s, const Endpoint& t) {
    return std::string(scheme_name(s.scheme)) + "://" + format_endpoint(t) + s.path;
}

// Go's net/http names the method "Get", "Post", ... in its errors.
std::string go_method(const std::string& m) {
    std::string out;
    for (size_t i = 0; i < m.size(); ++i)
        out += i == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(m[i])))
                      : static_cast<char>(std::tolower(static_cast<unsigned char>(m[i])));
    return out;
}

std::string lower_first(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

ProbeResult failure(const ProbeSettings& s, const Endpoint& t, const std::string& why) {
    if (s.scheme == Scheme::Tcp) return ProbeResult{false, why};
    return ProbeResult{false, go_method(s.method) + " \"" + url(s, t) + "\": " + why};
}

// lvscare's verdict on one exchange, in its (Go's) words: healthy is any status below 400, or one listed in
// --health-status.
ProbeResult judge(const ProbeSettings& s, const Endpoint& t, const HttpExchange::Outcome& o) {
    using F = HttpExchange::Failure;
    switch (o.failure) {
        case F::Socket: return failure(s, t, "dial tcp " + format_endpoint(t) + ": " + o.socket_error);
        case F::Connect:
            return failure(s, t, "dial tcp " + format_endpoint(t) + ": connect: " + lower_first(o.error.message()));
        case F::TlsHandshake: return failure(s, t, "tls handshake: " + o.error.message());
        case F::Write:
        case F::Read: return failure(s, t, o.error == asio::error::eof ? "EOF" : lower_first(o.error.message()));
        case F::Response:
            if (o.error == asio::error::eof) return failure(s, t, "EOF");
            return failure(s, t, "malformed HTTP response \"" + o.response->first_line() + "\"");
        case F::None: break;
    }
    if (s.scheme == Scheme::Tcp) return ProbeResult{true, {}};
    int status = o.response->status();
    if (status >= 400 && !s.extra_ok_status.count(status))
        return ProbeResult{false, "unexpected status code " + std::to_string(status)};
    return ProbeResult{true, {}};
}

struct Attempt {
    explicit Attempt(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::shared_ptr<HttpExchange> exchange;
    bool decided = false;
};

struct Round {
    Prober::Results results;
    size_t pending = 0;
    std::function<void(Prober::Results)> done;
    void finish(const Endpoint& t, ProbeResult r) {
        if (!r.healthy) spdlog::debug("probe: {}", r.error);
        results[t] = std::move(r);
        if (--pending == 0) done(std::move(results));
    }
};

}  // namespace

std::string build_request(const ProbeSettings& s, const Endpoint& t) {
    std::string r = s.method + " " + s.path + " HTTP/1.1\r\nHost: " + format_endpoint(t) +
                    "\r\nUser-Agent: lvscare\r\nAccept: */*\r\nConnection: close\r\n";
    for (const auto& [k, v] : s.headers) r += k + ": " + v + "\r\n";
    if (!s.body.empty()) r += "Content-Length: " + std::to_string(s.body.size()) + "\r\n";
    r += "\r\n" + s.body;
    return r;
}

Prober::Prober(asio::io_context& io, ProbeSettings settings) : io_(io), settings_(std::move(settings)) {
    if (settings_.scheme == Scheme::Https) {
        tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        if (settings_.insecure_skip_verify) {
            tls_->set_verify_mode(asio::ssl::verify_none);
        } else {
            tls_->set_default_verify_paths();
            tls_->set_verify_mode(asio::ssl::verify_peer);
        }
    }
}

void Prober::probe_all(const std::vector<Endpoint>& targets, std::chrono::nanoseconds budget,
                       std::function<void(Results)> done) {
    if (targets.empty()) {
        asio::post(io_, [done = std::move(done)] { done({}); });
        return;
    }
    auto round = std::make_shared<Round>();
    round->pending = targets.size();
    round->done = std::move(done);
    auto deadline = std::min(budget, settings_.timeout);
    for (const auto& t : targets) {
        HttpExchange::Options o;
        o.tcp.endpoint = tcp::endpoint(asio::ip::address_v4(t.address), t.port);
        o.connect_only = settings_.scheme == Scheme::Tcp;
        o.request = build_request(settings_, t);
        // Go's client returns once the headers are in; lvscare judges the status alone.
        o.until = healthcheck::HttpResponseParser::Until::Header;
        if (tls_) {
            o.tls = tls_.get();
            // SNI carries no IP literals; verification (if asked for) checks the certificate against the IP.
            if (!settings_.insecure_skip_verify)
                o.prepare_tls = [ip = format_ipv4(t.address)](HttpExchange::TlsStream& s) {
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.native_handle()), ip.c_str());
                };
        }
        // Whichever comes first decides: the exchange's outcome or the deadline, which aborts it.
        auto attempt = std::make_shared<Attempt>(io_);
        attempt->timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(deadline));
        attempt->timer.async_wait([this, round, attempt, t](error_code ec) {
            if (ec || attempt->decided) return;
            attempt->decided = true;
            if (attempt->exchange) attempt->exchange->abort();
            attempt->exchange.reset();
            round->finish(t, failure(settings_, t, "context deadline exceeded"));
        });
        attempt->exchange = HttpExchange::start(io_, std::move(o), [this, round, attempt, t](const HttpExchange::Outcome& r) {
            if (attempt->decided) return;
            attempt->decided = true;
            attempt->timer.cancel();
            round->finish(t, judge(settings_, t, r));
        });
        if (attempt->decided) attempt->exchange.reset();
    }
}

}  // namespace director::care
