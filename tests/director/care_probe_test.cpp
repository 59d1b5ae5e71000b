// Care probes against real HTTP listeners on 127.0.0.1, and the care loop driving an in-memory IPVS
// table with them: errors worded like lvscare's, deadlines that hold when a master hangs.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>

#include "director/care/care_loop.hpp"
#include "director/care/prober.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"

using namespace director;
using namespace director::care;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// HTTP listeners on 127.0.0.1 served by one background thread. Each answers per its current mode.
class Servers {
public:
    enum Mode { Ok, Error, Hang };
    struct Server {
        explicit Server(asio::io_context& io) : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
        tcp::acceptor acceptor;
        std::atomic<int> mode{Ok};
        std::atomic<int> requests{0};
        std::mutex mu;
        std::string last_request;
        std::vector<std::shared_ptr<tcp::socket>> held;  // Hang: accepted, never answered
        uint16_t port() const { return acceptor.local_endpoint().port(); }
    };

    explicit Servers(int n) : guard_(asio::make_work_guard(io_)) {
        for (int i = 0; i < n; ++i) {
            servers_.push_back(std::make_unique<Server>(io_));
            accept(*servers_.back());
        }
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Servers() {
        asio::post(io_, [this] {
            for (auto& s : servers_) {
                s->acceptor.close();
                s->held.clear();
            }
            guard_.reset();
            io_.stop();
        });
        thread_.join();
    }
    Server& operator[](size_t i) { return *servers_[i]; }
    Endpoint endpoint(size_t i) { return {*parse_ipv4("127.0.0.1"), servers_[i]->port()}; }

private:
    void accept(Server& s) {
        s.acceptor.async_accept([this, &s](boost::system::error_code ec, tcp::socket sock) {
            if (ec) return;
            auto sp = std::make_shared<tcp::socket>(std::move(sock));
            auto buf = std::make_shared<asio::streambuf>();
            asio::async_read_until(*sp, *buf, "\r\n\r\n", [&s, sp, buf](boost::system::error_code ec, size_t) {
                if (ec) return;
                ++s.requests;
                {
                    std::lock_guard lock(s.mu);
                    s.last_request.assign(asio::buffers_begin(buf->data()), asio::buffers_end(buf->data()));
                }
                if (s.mode == Hang) {
                    s.held.push_back(sp);
                    return;
                }
                auto reply = std::make_shared<std::string>(
                    s.mode == Ok ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                 : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
                asio::async_write(*sp, asio::buffer(*reply), [sp, reply](boost::system::error_code, size_t) {});
            });
            accept(s);
        });
    }

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::vector<std::unique_ptr<Server>> servers_;
    std::thread thread_;
};

uint16_t closed_port() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();  // closed when `a` goes away: connecting is refused
}

ProbeSettings http() {
    ProbeSettings s;
    s.scheme = Scheme::Http;
    s.path = "/";
    return s;
}

Prober::Results probe(const ProbeSettings& s, std::vector<Endpoint> targets, std::chrono::nanoseconds budget = 5s) {
    asio::io_context io;
    Prober p(io, s);
    Prober::Results out;
    bool done = false;
    p.probe_all(targets, budget, [&](Prober::Results r) {
        out = std::move(r);
        done = true;
    });
    io.run();
    EXPECT_TRUE(done);
    return out;
}

}  // namespace

TEST(CareProbe, HealthyServerPasses) {
    Servers srv(1);
    auto r = probe(http(), {srv.endpoint(0)});
    EXPECT_TRUE(r[srv.endpoint(0)].healthy) << r[srv.endpoint(0)].error;
}

TEST(CareProbe, RefusedConnectionIsReportedAsGoDoes) {
    Endpoint dead{*parse_ipv4("127.0.0.1"), closed_port()};
    auto r = probe(http(), {dead});
    EXPECT_FALSE(r[dead].healthy);
    std::string p = std::to_string(dead.port);
    EXPECT_EQ(r[dead].error, "Get \"http://127.0.0.1:" + p + "/\": dial tcp 127.0.0.1:" + p + ": connect: connection refused");
}

TEST(CareProbe, ErrorStatusFailsUnlessListedInHealthStatus) {
    Servers srv(1);
    srv[0].mode = Servers::Error;
    auto r = probe(http(), {srv.endpoint(0)});
    EXPECT_FALSE(r[srv.endpoint(0)].healthy);
    EXPECT_EQ(r[srv.endpoint(0)].error, "unexpected status code 500");
    auto s = http();
    s.extra_ok_status = {500};
    EXPECT_TRUE(probe(s, {srv.endpoint(0)})[srv.endpoint(0)].healthy);
}

TEST(CareProbe, RequestCarriesMethodPathHeadersAndBody) {
    Servers srv(1);
    auto s = http();
    s.method = "POST";
    s.path = "/readyz";
    s.headers = {{"Authorization", "Bearer t0k"}, {"X-Probe", "care"}};
    s.body = "{}";
    auto r = probe(s, {srv.endpoint(0)});
    EXPECT_TRUE(r[srv.endpoint(0)].healthy);
    std::lock_guard lock(srv[0].mu);
    EXPECT_EQ(srv[0].last_request.rfind("POST /readyz HTTP/1.1\r\n", 0), 0u) << srv[0].last_request;
    EXPECT_NE(srv[0].last_request.find("Authorization: Bearer t0k\r\n"), std::string::npos);
    EXPECT_NE(srv[0].last_request.find("X-Probe: care\r\n"), std::string::npos);
    EXPECT_NE(srv[0].last_request.find("Content-Length: 2\r\n"), std::string::npos);
}

TEST(CareProbe, HungServerFailsAtTheRoundBudgetNotTheLongTimeout) {
    Servers srv(2);
    srv[1].mode = Servers::Hang;
    auto s = http();
    s.timeout = 30s;
    auto start = std::chrono::steady_clock::now();
    auto r = probe(s, {srv.endpoint(0), srv.endpoint(1)}, 300ms);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(r[srv.endpoint(0)].healthy);
    EXPECT_FALSE(r[srv.endpoint(1)].healthy);
    EXPECT_NE(r[srv.endpoint(1)].error.find("context deadline exceeded"), std::string::npos) << r[srv.endpoint(1)].error;
    EXPECT_LT(took, 5s);
}

TEST(CareProbe, TcpSchemeOnlyConnects) {
    Servers srv(1);
    srv[0].mode = Servers::Hang;  // would fail an HTTP probe
    ProbeSettings s;
    s.scheme = Scheme::Tcp;
    Endpoint dead{*parse_ipv4("127.0.0.1"), closed_port()};
    auto r = probe(s, {srv.endpoint(0), dead});
    EXPECT_TRUE(r[srv.endpoint(0)].healthy);
    EXPECT_FALSE(r[dead].healthy);
    EXPECT_NE(r[dead].error.find("connection refused"), std::string::npos);
}

// A listener that answers one connection with `reply`, then closes it.
ProbeResult probe_reply(const std::string& reply) {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    Endpoint target{*parse_ipv4("127.0.0.1"), a.local_endpoint().port()};
    std::thread t([&] {
        tcp::socket s(io);
        a.accept(s);
        asio::streambuf req;
        boost::system::error_code ec;
        asio::read_until(s, req, "\r\n\r\n", ec);
        asio::write(s, asio::buffer(reply), ec);
    });
    auto r = probe(http(), {target});
    t.join();
    return r[target];
}

TEST(CareProbe, StatusLineParsing) {
    EXPECT_TRUE(probe_reply("HTTP/1.1 200 OK\r\n\r\n").healthy);
    auto not_found = probe_reply("HTTP/1.0 404 Not Found\r\n\r\n");
    EXPECT_EQ(not_found.error, "unexpected status code 404");
    auto ssh = probe_reply("SSH-2.0-OpenSSH\r\n");
    EXPECT_FALSE(ssh.healthy);
    EXPECT_NE(ssh.error.find("\": malformed HTTP response \"SSH-2.0-OpenSSH\""), std::string::npos) << ssh.error;
    auto digits = probe_reply("HTTP/1.1 2x0 OK\r\n\r\n");
    EXPECT_FALSE(digits.healthy);
    EXPECT_NE(digits.error.find("malformed HTTP response \"HTTP/1.1 2x0 OK\""), std::string::npos) << digits.error;
    auto closed = probe_reply("");
    EXPECT_NE(closed.error.find("\": EOF"), std::string::npos) << closed.error;
}

TEST(CareLoop, HangingMasterGoesWeightZeroThenAwayWithoutStretchingRounds) {
    Servers srv(3);
    director::ipvs::testing::FakeKernel kernel;
    Options o;
    o.vs = *parse_endpoint("169.254.0.1:80");
    o.rs = {srv.endpoint(0), srv.endpoint(1), srv.endpoint(2)};
    o.interval = 300ms;
    o.probe = http();
    o.probe.timeout = 30s;  // far longer than the interval: the round budget must win
    asio::io_context io;
    CareLoop loop(io, o, kernel, nullptr);
    auto key = desired_service(o.vs, "rr").key;
    std::vector<int> weights;  // weight of server 2 after each round, -1 = absent
    loop.on_round = [&] {
        auto* d = kernel.find_dest(key, o.rs[2].address, o.rs[2].port);
        weights.push_back(d ? d->dest.weight : -1);
        if (weights.size() == 1) srv[2].mode = Servers::Hang;
        if (weights.size() == 4) srv[2].mode = Servers::Ok;
        if (weights.size() == 5) loop.stop();
    };
    auto start = std::chrono::steady_clock::now();
    loop.start();
    io.run();
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(weights, (std::vector<int>{1, 0, -1, -1, 1}));
    EXPECT_EQ(kernel.find(key)->destinations.size(), 3u);
    // Five rounds at 300ms are due by 1.2s; with 30s probe timeouts a stretched loop would take minutes.
    EXPECT_LT(took, 4s);
    EXPECT_EQ(loop.counters().rounds, 5u);
    EXPECT_GE(loop.counters().probe_failures, 3u);
}

TEST(CareLoop, MetricsShowTheLastVerdictAndTheKernelWeightPerRealServer) {
    Servers srv(2);
    director::ipvs::testing::FakeKernel kernel;
    Options o;
    o.vs = *parse_endpoint("169.254.0.1:80");
    o.rs = {srv.endpoint(0), srv.endpoint(1)};
    o.interval = 200ms;
    o.probe = http();
    o.probe.timeout = 1s;
    asio::io_context io;
    CareLoop loop(io, o, kernel, nullptr);
    std::string after_first, after_second;
    loop.on_round = [&] {
        if (loop.counters().rounds == 1) {
            after_first = loop.metrics_text();
            srv[1].mode = Servers::Hang;
        } else {
            after_second = loop.metrics_text();
            loop.stop();
        }
    };
    loop.start();
    io.run();
    const std::string vs = "virtual_server=\"169.254.0.1:80\"";
    const std::string rs1 = "real_server=\"" + format_endpoint(o.rs[1]) + "\"";
    EXPECT_NE(after_first.find("director_care_rounds_total 1\n"), std::string::npos) << after_first;
    EXPECT_NE(after_first.find("director_care_real_server_up{" + vs + "," + rs1 + "} 1\n"), std::string::npos) << after_first;
    EXPECT_NE(after_first.find("director_care_real_server_weight{" + vs + "," + rs1 + "} 1\n"), std::string::npos);
    // The hung server fails its probe and is set to weight 0 in the same round.
    EXPECT_NE(after_second.find("director_care_rounds_total 2\n"), std::string::npos) << after_second;
    EXPECT_NE(after_second.find("director_care_real_server_up{" + vs + "," + rs1 + "} 0\n"), std::string::npos)
        << after_second;
    EXPECT_NE(after_second.find("director_care_real_server_weight{" + vs + "," + rs1 + "} 0\n"), std::string::npos)
        << after_second;
    EXPECT_NE(after_second.find("director_care_probe_failures_total 1\n"), std::string::npos) << after_second;
}
