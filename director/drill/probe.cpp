#include "director/drill/probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "healthcheck/http_checker.hpp"
#include "healthcheck/http_response.hpp"
#include "healthcheck/tcp_checker.hpp"

namespace director::drill {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

std::optional<ProbeUrl> parse_probe_url(const std::string& s, std::string& error) {
    ProbeUrl u;
    u.text = s;
    std::string rest;
    unsigned short port = 0;
    if (s.rfind("tcp://", 0) == 0) u.scheme = ProbeUrl::Scheme::Tcp, rest = s.substr(6);
    else if (s.rfind("http://", 0) == 0) u.scheme = ProbeUrl::Scheme::Http, rest = s.substr(7), port = 80;
    else if (s.rfind("https://", 0) == 0) u.scheme = ProbeUrl::Scheme::Https, rest = s.substr(8), port = 443;
    else {
        error = "--probe " + s + ": want tcp://IP:PORT, http://IP[:PORT]/PATH or https://IP[:PORT]/PATH";
        return std::nullopt;
    }
    auto slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    if (slash != std::string::npos) u.path = rest.substr(slash);
    if (u.scheme == ProbeUrl::Scheme::Tcp && slash != std::string::npos && u.path != "/") {
        error = "--probe " + s + ": a tcp:// probe has no path";
        return std::nullopt;
    }
    auto colon = hostport.rfind(':');
    std::string host = hostport.substr(0, colon);
    if (colon != std::string::npos) {
        const std::string p = hostport.substr(colon + 1);
        char* end = nullptr;
        long v = std::strtol(p.c_str(), &end, 10);
        if (p.empty() || *end || v < 1 || v > 65535) {
            error = "--probe " + s + ": port '" + p + "' is not 1..65535";
            return std::nullopt;
        }
        port = static_cast<unsigned short>(v);
    } else if (u.scheme == ProbeUrl::Scheme::Tcp) {
        error = "--probe " + s + ": a tcp:// probe needs a port";
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address_v4(host, ec);
    if (ec) {
        error = "--probe " + s + ": '" + host + "' is not an IPv4 address (names are not resolved)";
        return std::nullopt;
    }
    u.endpoint = {addr, port};
    return u;
}

// One connection kept open for the whole drill, asking every 200 ms. Any failure ends it for good: a
// connection that broke during a move is what the drill reports, not something to paper over.
struct Prober::LongLived : std::enable_shared_from_this<LongLived> {
    LongLived(asio::io_context& io, const ProbeOptions& o, std::shared_ptr<healthcheck::TlsClient> tls)
        : io_(io), opts_(o), tls_(std::move(tls)), socket_(io), deadline_(io), pause_(io) {}

    void start() {
        asio::co_spawn(io_, run(shared_from_this()), asio::detached);
    }
    void stop() {
        stopping_ = true;
        boost::system::error_code ec;
        pause_.cancel();
        deadline_.cancel();
        socket_.close(ec);
    }
    void fail(const std::string& why) {
        if (stopping_) return;
        std::lock_guard<std::mutex> l(mu_);
        if (!failed_) {
            failed_ = true;
            error_ = why;
        }
    }
    void arm(std::chrono::milliseconds d) {
        deadline_.expires_after(d);
        deadline_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            if (auto self = w.lock(); self && !ec) {
                self->timed_out_ = true;
                boost::system::error_code ignore;
                self->socket_.close(ignore);
            }
        });
    }

    template <class Stream>
    asio::awaitable<void> ask(Stream& s, std::shared_ptr<LongLived> self) {
        const std::string req = "GET " + opts_.url.path + " HTTP/1.1\r\nHost: " + opts_.url.endpoint.address().to_string() +
                                ":" + std::to_string(opts_.url.endpoint.port()) + "\r\nConnection: keep-alive\r\n\r\n";
        char buf[4096];
        while (!stopping_) {
            boost::system::error_code ec;
            arm(opts_.timeout * 2);
            co_await asio::async_write(s, asio::buffer(req), asio::redirect_error(asio::use_awaitable, ec));
            healthcheck::HttpResponseParser parser(false);
            auto st = healthcheck::HttpResponseParser::State::NeedMore;
            while (!ec && st == healthcheck::HttpResponseParser::State::NeedMore) {
                std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
                if (n) st = parser.feed(buf, n);
            }
            deadline_.cancel();
            if (stopping_) co_return;
            if (ec) {
                fail(timed_out_ ? "no answer within " + std::to_string((opts_.timeout * 2).count()) + " ms"
                                : healthcheck::describe_error(ec));
                co_return;
            }
            if (st == healthcheck::HttpResponseParser::State::Error) {
                fail("bad response: " + parser.error());
                co_return;
            }
            if (parser.status() < 200 || parser.status() > 299) {
                fail("HTTP " + std::to_string(parser.status()));
                co_return;
            }
            ++requests_;
            opened_ = true;
            pause_.expires_after(200ms);
            co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        (void)self;
    }

    static asio::awaitable<void> run(std::shared_ptr<LongLived> self) {
        boost::system::error_code ec;
        self->arm(self->opts_.timeout);
        co_await self->socket_.async_connect(self->opts_.url.endpoint, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            self->deadline_.cancel();
            self->fail("connect: " + healthcheck::describe_error(ec));
            co_return;
        }
        if (self->opts_.url.scheme == ProbeUrl::Scheme::Http) {
            co_await self->ask(self->socket_, self);
            co_return;
        }
        asio::ssl::stream<tcp::socket&> tls(self->socket_, self->tls_->context());
        if (self->tls_->verifies()) {
            X509_VERIFY_PARAM* param = SSL_get0_param(tls.native_handle());
            X509_VERIFY_PARAM_set1_ip_asc(param, self->opts_.url.endpoint.address().to_string().c_str());
        }
        co_await tls.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            self->deadline_.cancel();
            self->fail("tls handshake: " + ec.message());
            co_return;
        }
        co_await self->ask(tls, self);
    }

    asio::io_context& io_;
    ProbeOptions opts_;
    std::shared_ptr<healthcheck::TlsClient> tls_;
    tcp::socket socket_;
    asio::steady_timer deadline_, pause_;
    bool stopping_ = false, timed_out_ = false;
    std::atomic<bool> opened_{false};
    std::atomic<unsigned long long> requests_{0};
    mutable std::mutex mu_;
    bool failed_ = false;
    std::string error_;
};

Prober::Prober(asio::io_context& io, ProbeOptions o) : io_(io), opts_(std::move(o)), timer_(io) {
    if (opts_.url.scheme == ProbeUrl::Scheme::Https) tls_ = std::make_shared<healthcheck::TlsClient>(healthcheck::TlsOptions{opts_.ca, "", ""});
}

Prober::~Prober() = default;

void Prober::start() {
    running_ = true;
    if (opts_.url.scheme != ProbeUrl::Scheme::Tcp) {
        auto ll = std::make_shared<LongLived>(io_, opts_, tls_);
        {
            std::lock_guard<std::mutex> l(mu_);
            long_lived_ = ll;
        }
        ll->start();
    }
    tick();
}

void Prober::renew_long_lived() {
    if (!long_lived_) return;
    long_lived_->stop();
    auto fresh = std::make_shared<LongLived>(io_, opts_, tls_);
    {
        std::lock_guard<std::mutex> l(mu_);
        long_lived_ = fresh;
    }
    fresh->start();
}

void Prober::stop() {
    running_ = false;
    timer_.cancel();
    for (auto& c : in_flight_) c->stop();
    in_flight_.clear();
    if (long_lived_) long_lived_->stop();
}

void Prober::tick() {
    if (!running_) return;
    // A fixed cadence, not "50 ms after the last one ended": a probe hanging on a dead VIP must not hide
    // the moment the VIP answers again.
    probe_once();
    timer_.expires_after(opts_.every);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

void Prober::probe_once() {
    healthcheck::Policy p;
    p.interval = std::chrono::hours(1);  // one exchange per checker: each probe is a new connection
    p.timeout = opts_.timeout;
    p.retry = 0;
    healthcheck::TcpTarget t{opts_.url.endpoint, std::nullopt};
    std::shared_ptr<healthcheck::Checker> c;
    if (opts_.url.scheme == ProbeUrl::Scheme::Tcp) {
        c = std::make_shared<healthcheck::TcpChecker>(io_, p, t);
    } else {
        healthcheck::HttpTarget h;
        h.tcp = t;
        h.urls.push_back({opts_.url.path, {}, std::nullopt, ""});
        h.protocol = "1.1C";  // one request, then close: each probe is a fresh connection
        h.tls = tls_;
        c = std::make_shared<healthcheck::HttpChecker>(io_, p, h);
    }
    auto started = Clock::now();
    std::weak_ptr<healthcheck::Checker> weak = c;
    in_flight_.push_back(c);
    c->start([this, weak, started](const healthcheck::Checker::Report& r) {
        {
            std::lock_guard<std::mutex> l(mu_);
            samples_.push_back({started, Clock::now(), r.last.ok, r.last.reason});
        }
        // Dropped after this callback returns, not inside it.
        asio::post(io_, [this, weak] {
            auto c = weak.lock();
            if (!c) return;
            c->stop();
            std::erase(in_flight_, c);
        });
    });
}

std::vector<Sample> Prober::samples() const {
    std::lock_guard<std::mutex> l(mu_);
    return samples_;
}

std::shared_ptr<Prober::LongLived> Prober::current_long_lived() const {
    std::lock_guard<std::mutex> l(mu_);
    return long_lived_;
}

std::optional<bool> Prober::long_lived_ok() const {
    auto ll = current_long_lived();
    if (!ll) return std::nullopt;
    std::lock_guard<std::mutex> l(ll->mu_);
    return !ll->failed_;
}

std::string Prober::long_lived_error() const {
    auto ll = current_long_lived();
    if (!ll) return "";
    std::lock_guard<std::mutex> l(ll->mu_);
    return ll->error_;
}

unsigned long long Prober::long_lived_requests() const {
    auto ll = current_long_lived();
    return ll ? ll->requests_.load() : 0;
}

}  // namespace director::drill
