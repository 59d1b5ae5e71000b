#include "director/care/prober.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

namespace director::care {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

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

// What one in-flight probe owns; the deadline handler holds it too, so it can close the socket safely.
struct Attempt {
    explicit Attempt(asio::io_context& io, asio::ssl::context* tls)
        : timer(io), plain(io) {
        if (tls) secure.emplace(io, *tls);
    }
    tcp::socket& socket() { return secure ? secure->next_layer() : plain; }
    asio::steady_timer timer;
    tcp::socket plain;
    std::optional<asio::ssl::stream<tcp::socket>> secure;
    bool expired = false;
};

struct Round {
    Prober::Results results;
    size_t pending = 0;
    std::function<void(Prober::Results)> done;
    void finish(const Endpoint& t, ProbeResult r) {
        results[t] = std::move(r);
        if (--pending == 0) done(std::move(results));
    }
};

asio::awaitable<ProbeResult> exchange(std::shared_ptr<Attempt> a, const ProbeSettings& s, Endpoint t) {
    error_code ec;
    auto fail = [&](const std::string& what) {
        std::string why = a->expired ? "context deadline exceeded" : what;
        if (s.scheme == Scheme::Tcp) return ProbeResult{false, why};
        return ProbeResult{false, go_method(s.method) + " \"" + url(s, t) + "\": " + why};
    };
    tcp::endpoint ep(asio::ip::address_v4(t.address), t.port);
    co_await a->socket().async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("dial tcp " + format_endpoint(t) + ": connect: " + lower_first(ec.message()));
    if (s.scheme == Scheme::Tcp) co_return ProbeResult{true, {}};

    std::string request = build_request(s, t);
    asio::streambuf in;
    size_t head_len = 0;
    if (a->secure) {
        // SNI carries no IP literals; verification (if asked for) checks the certificate against the IP.
        if (!s.insecure_skip_verify) a->secure->set_verify_callback(asio::ssl::host_name_verification(format_ipv4(t.address)));
        co_await a->secure->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return fail("tls handshake: " + ec.message());
        co_await asio::async_write(*a->secure, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) head_len = co_await asio::async_read_until(*a->secure, in, "\r\n", asio::redirect_error(asio::use_awaitable, ec));
    } else {
        co_await asio::async_write(a->plain, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) head_len = co_await asio::async_read_until(a->plain, in, "\r\n", asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return fail(ec == asio::error::eof ? "EOF" : lower_first(ec.message()));
    std::string head(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<long>(head_len));
    auto status = parse_status_line(head);
    if (!status) co_return fail("malformed HTTP response \"" + head.substr(0, head.find_first_of("\r\n")) + "\"");
    if (*status >= 400 && !s.extra_ok_status.count(*status))
        co_return ProbeResult{false, "unexpected status code " + std::to_string(*status)};
    co_return ProbeResult{true, {}};
}

}  // namespace

std::string build_request(const ProbeSettings& s, const Endpoint& t) {
    std::string r = s.method + " " + s.path + " HTTP/1.1\r\nHost: " + format_endpoint(t) +
                    "\r\nUser-Agent: lvscare\r\nAccept: */*\r\nConnection: close\r\n";
    for (const auto& [k, v] : s.headers) r += k + ": " + v + "\r\n";
    if (!s.body.empty()) r += "Content-Length: " + std::to_string(s.body.size()) + "\r\n";
    r += "\r\n" + s.body;
    return r;
}

std::optional<int> parse_status_line(std::string_view head) {
    // "HTTP/1.1 200 OK"
    if (head.substr(0, 5) != "HTTP/") return std::nullopt;
    auto sp = head.find(' ');
    if (sp == std::string_view::npos || head.size() < sp + 4) return std::nullopt;
    int code = 0;
    for (size_t i = sp + 1; i < sp + 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(head[i]))) return std::nullopt;
        code = code * 10 + (head[i] - '0');
    }
    if (code < 100) return std::nullopt;
    return code;
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
        auto a = std::make_shared<Attempt>(io_, tls_.get());
        a->timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(deadline));
        a->timer.async_wait([a](error_code ec) {
            if (ec) return;
            a->expired = true;
            error_code ignored;
            a->socket().close(ignored);
        });
        asio::co_spawn(io_, exchange(a, settings_, t),
                       [round, a, t](std::exception_ptr e, ProbeResult r) {
                           a->timer.cancel();
                           if (e) r = ProbeResult{false, "probe aborted"};
                           if (!r.healthy) spdlog::debug("probe: {}", r.error);
                           round->finish(t, std::move(r));
                       });
    }
}

}  // namespace director::care
