// HTTP_GET / SSL_GET keep-alive against real servers on 127.0.0.1: one connection carries many checks,
// and servers that close connections (idle timeouts, races, Connection: close) are still checked right.
#include <gtest/gtest.h>

#include "healthcheck/http_checker.hpp"
#include "tests/healthcheck/checker_harness.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;
using testsupport::Pki;
using testsupport::ServerTls;
using testsupport::TestHttpServer;

class KeepAlive : public ::testing::Test {
protected:
    boost::asio::io_context io;

    static TestHttpServer::Options keeping(TestHttpServer::Options o = {}) {
        o.keep_alive = true;
        return o;
    }
    static TestHttpServer::Options tls(TestHttpServer::Options o) {
        const Pki& pki = Pki::get();
        o.tls = ServerTls{pki.file("server.crt"), pki.file("server.key"), ""};
        return o;
    }
    static HttpTarget target(const TestHttpServer& s, bool with_tls = false) {
        HttpTarget t;
        t.tcp.endpoint = s.endpoint();
        t.urls = {UrlCheck{}};
        t.urls[0].path = "/healthz";
        if (with_tls) {
            TlsOptions o;
            o.ca = Pki::get().file("ca.crt");
            t.tls = std::make_shared<TlsClient>(o);
        }
        return t;
    }
    // Runs `n` checks; every one must pass.
    std::vector<Checker::Report> passing(HttpTarget t, size_t n, std::shared_ptr<HttpChecker>* out = nullptr) {
        auto c = std::make_shared<HttpChecker>(io, testsupport::fast_policy(2000), std::move(t));
        auto r = testsupport::collect(io, c, n);
        EXPECT_EQ(r.size(), n);
        for (size_t i = 0; i < r.size(); ++i) EXPECT_TRUE(r[i].last.ok) << "check " << i << ": " << r[i].last.reason;
        if (out) *out = c;
        return r;
    }
};

TEST_F(KeepAlive, ChecksShareOneConnectionWhileTheServerKeepsIt) {
    TestHttpServer s(keeping());
    auto r = passing(target(s), 5);
    EXPECT_EQ(s.connections(), 1);
    EXPECT_EQ(s.requests(), 5);
    EXPECT_FALSE(r[0].last.connection_reused);
    for (size_t i = 1; i < r.size(); ++i) EXPECT_TRUE(r[i].last.connection_reused) << "check " << i;
    EXPECT_NE(s.last_request().find("Connection: keep-alive\r\n"), std::string::npos) << s.last_request();
}

TEST_F(KeepAlive, TlsChecksShareOneHandshake) {
    TestHttpServer s(keeping(tls({})));
    auto r = passing(target(s, true), 5);
    EXPECT_EQ(s.handshakes(), 1);
    EXPECT_EQ(s.requests(), 5);
    for (size_t i = 1; i < r.size(); ++i) {
        EXPECT_TRUE(r[i].last.connection_reused) << "check " << i;
        EXPECT_FALSE(r[i].last.tls_resumed) << "no handshake was made, so none was resumed";
    }
}

TEST_F(KeepAlive, Http10ServerWithKeepAliveHeaderKeepsTheConnection) {
    auto o = keeping();
    o.version = "HTTP/1.0";
    TestHttpServer s(o);
    auto t = target(s);  // http_protocol 1.0, keepalived's default
    passing(t, 3);
    EXPECT_EQ(s.connections(), 1);
    EXPECT_EQ(s.last_request().rfind("GET /healthz HTTP/1.0\r\n", 0), 0u) << s.last_request();
}

TEST_F(KeepAlive, ServerThatAnswersConnectionCloseGetsANewConnectionPerCheck) {
    TestHttpServer s({});  // Connection: close, then closes
    auto r = passing(target(s), 3);
    EXPECT_EQ(s.connections(), 3);
    for (const auto& x : r) EXPECT_FALSE(x.last.connection_reused);
}

TEST_F(KeepAlive, ServerClosingIdleConnectionsIsCheckedOnANewOneWithoutAFailure) {
    auto o = keeping();
    o.close_idle = true;  // plain TCP: a FIN while the connection waits for the next check
    TestHttpServer s(o);
    std::shared_ptr<HttpChecker> c;
    passing(target(s), 4, &c);
    EXPECT_EQ(s.connections(), 4);
    EXPECT_GE(c->stale_connections(), 1u);
}

TEST_F(KeepAlive, TlsServerSendingCloseNotifyWhileIdleIsCheckedOnANewResumedConnection) {
    auto o = keeping(tls({}));
    o.close_idle = true;
    TestHttpServer s(o);
    auto r = passing(target(s, true), 4);
    EXPECT_EQ(s.handshakes(), 4);
    EXPECT_EQ(s.resumed(), 3);
    for (size_t i = 1; i < r.size(); ++i) EXPECT_TRUE(r[i].last.tls_resumed) << "check " << i;
}

TEST_F(KeepAlive, ServerClosingAsTheRequestArrivesIsRetriedOnANewConnectionWithinTheCheck) {
    auto o = keeping();
    o.drop_reused = true;  // each connection's second request is met with a close, not an answer
    TestHttpServer s(o);
    std::shared_ptr<HttpChecker> c;
    auto r = passing(target(s), 4, &c);
    EXPECT_EQ(s.connections(), 4);
    EXPECT_EQ(s.requests(), 7) << "checks 2..4 each lost one request on the old connection";
    EXPECT_EQ(c->stale_connections(), 3u);
    EXPECT_EQ(c->checks_failed(), 0u);
}

TEST_F(KeepAlive, ConnectionIsReplacedAfterKeepaliveRequestsResponses) {
    TestHttpServer s(keeping());
    auto t = target(s);
    t.keepalive_requests = 2;
    passing(t, 5);
    EXPECT_EQ(s.connections(), 3);
}

TEST_F(KeepAlive, ConnectionIsReplacedOnceOlderThanKeepaliveMaxAge) {
    TestHttpServer s(keeping());
    auto t = target(s);
    t.keepalive_max_age = 1ms;  // checks are 50 ms apart
    passing(t, 3);
    EXPECT_EQ(s.connections(), 3);
}

TEST_F(KeepAlive, OneRequestPerConnectionOrProtocolWithCAskForConnectionClose) {
    for (auto [requests, protocol] : {std::pair<unsigned, const char*>{1, "1.1"}, {100, "1.1C"}, {100, "1.0C"}}) {
        TestHttpServer s(keeping());
        auto t = target(s);
        t.keepalive_requests = requests;
        t.protocol = protocol;
        passing(t, 3);
        EXPECT_EQ(s.connections(), 3) << protocol << " keepalive_requests " << requests;
        EXPECT_NE(s.last_request().find("Connection: close\r\n"), std::string::npos) << s.last_request();
    }
}

TEST_F(KeepAlive, FailingStatusKeepsTheConnectionAndTheServerStaysDown) {
    auto o = keeping();
    o.status = 500;
    TestHttpServer s(o);
    auto c = std::make_shared<HttpChecker>(io, testsupport::fast_policy(), target(s));
    auto r = testsupport::collect(io, c, 3);
    ASSERT_EQ(r.size(), 3u);
    for (const auto& x : r) EXPECT_EQ(x.last.reason, "HTTP 500 not an accepted status_code");
    EXPECT_EQ(s.connections(), 1);
}

TEST_F(KeepAlive, TimeoutOnAKeptConnectionFailsTheCheckAndTheNextCheckConnectsAnew) {
    TestHttpServer s(keeping());
    auto c = std::make_shared<HttpChecker>(io, testsupport::fast_policy(200), target(s));
    std::vector<Checker::Report> seen;
    c->start([&](const Checker::Report& r) {
        seen.push_back(r);
        if (seen.size() == 1) s.set_hang(true);   // the second check's request is never answered
        if (seen.size() == 2) s.set_hang(false);
        if (seen.size() == 3) c->stop();
    });
    auto end = std::chrono::steady_clock::now() + 10s;
    while (seen.size() < 3 && std::chrono::steady_clock::now() < end) io.run_one_for(50ms);
    c->stop();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_TRUE(seen[0].last.ok);
    EXPECT_FALSE(seen[1].last.ok);
    EXPECT_EQ(seen[1].last.reason, "timeout during read response");
    EXPECT_TRUE(seen[2].last.ok) << seen[2].last.reason;
    EXPECT_FALSE(seen[2].last.connection_reused);
    EXPECT_EQ(s.connections(), 2);
}
