// HTTP_GET / TCP_CHECK against real servers on 127.0.0.1.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // designated initializers leave the rest default on purpose
#include <gtest/gtest.h>

#include "healthcheck/http_checker.hpp"
#include "healthcheck/http_response.hpp"
#include "healthcheck/tcp_checker.hpp"
#include "tests/healthcheck/checker_harness.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;
using testsupport::TestHttpServer;
namespace ip = boost::asio::ip;

namespace {

HttpTarget http_target(const TestHttpServer& s, std::vector<UrlCheck> urls = {UrlCheck{}}) {
    HttpTarget t;
    t.tcp.endpoint = s.endpoint();
    t.urls = std::move(urls);
    return t;
}

UrlCheck url(std::string path, std::vector<std::string> codes = {}, std::optional<std::string> digest = {}) {
    UrlCheck u;
    u.path = std::move(path);
    for (auto& w : codes) u.status.ranges.push_back(*StatusCodes::parse_word(w));
    u.digest = std::move(digest);
    return u;
}

}  // namespace

class HttpCheck : public ::testing::Test {
protected:
    boost::asio::io_context io;
    CheckResult check(HttpTarget t, Policy p = testsupport::fast_policy()) {
        return testsupport::first_result(testsupport::http_checks(io, std::move(t), 1, p));
    }
};

TEST_F(HttpCheck, TcpCheckPassesOnListeningPortAndFailsWhenRefused) {
    TestHttpServer server({});
    auto c = std::make_shared<TcpChecker>(io, testsupport::fast_policy(), TcpTarget{server.endpoint(), {}});
    auto r = testsupport::collect(io, c, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].last.ok) << r[0].last.reason;

    // A port nobody listens on: take one from the kernel and close it again.
    ip::tcp::acceptor a(io, ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0));
    auto dead = a.local_endpoint();
    a.close();
    auto c2 = std::make_shared<TcpChecker>(io, testsupport::fast_policy(), TcpTarget{dead, {}});
    r = testsupport::collect(io, c2, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_FALSE(r[0].last.ok);
    EXPECT_EQ(r[0].last.reason, "connection refused");
    EXPECT_FALSE(r[0].up);
    EXPECT_TRUE(r[0].changed);
}

TEST_F(HttpCheck, TcpCheckBindsToTheConfiguredSourceAddress) {
    TestHttpServer server({});
    TcpTarget t{server.endpoint(), ip::tcp::endpoint(ip::make_address("127.0.0.3"), 0)};
    auto c = std::make_shared<TcpChecker>(io, testsupport::fast_policy(), t);
    auto r = testsupport::collect(io, c, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].last.ok) << r[0].last.reason;
    TcpTarget bad{server.endpoint(), ip::tcp::endpoint(ip::make_address("192.0.2.77"), 0)};
    auto c2 = std::make_shared<TcpChecker>(io, testsupport::fast_policy(), bad);
    r = testsupport::collect(io, c2, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_FALSE(r[0].last.ok);
    EXPECT_NE(r[0].last.reason.find("bind to 192.0.2.77"), std::string::npos) << r[0].last.reason;
}

TEST_F(HttpCheck, DefaultAcceptsAny2xxAndRejectsOthers) {
    TestHttpServer ok({.status = 204});
    EXPECT_TRUE(check(http_target(ok)).ok);
    TestHttpServer moved({.status = 301});
    auto r = check(http_target(moved));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, "HTTP 301 not an accepted status_code");
}

TEST_F(HttpCheck, StatusCodeSingleValuesAndRanges) {
    TestHttpServer s({.status = 503});
    EXPECT_FALSE(check(http_target(s, {url("/", {"200"})})).ok);
    EXPECT_TRUE(check(http_target(s, {url("/", {"200", "503"})})).ok);
    EXPECT_TRUE(check(http_target(s, {url("/", {"500-599"})})).ok);
    EXPECT_FALSE(check(http_target(s, {url("/", {"200-299", "504-599"})})).ok);
    auto r = check(http_target(s, {url("/", {"500-502"})}));
    EXPECT_EQ(r.reason, "HTTP 503 not an accepted status_code");
}

TEST_F(HttpCheck, DigestComparesBodyMd5) {
    TestHttpServer s({.body = "hello health\n"});
    auto r = check(http_target(s, {url("/healthz", {}, std::string("0000"))}));
    EXPECT_FALSE(r.ok);
    ASSERT_NE(r.reason.find("digest mismatch on /healthz: body MD5 "), std::string::npos) << r.reason;
    std::string actual = r.reason.substr(r.reason.rfind(' ') + 1);
    EXPECT_EQ(actual.size(), 32u);
    EXPECT_TRUE(check(http_target(s, {url("/healthz", {}, actual)})).ok);
    // Independent reference value from the openssl CLI.
    testsupport::TempDir d;
    testsupport::write_file(d.path + "/b", "hello health\n");
    std::string cmd = "openssl dgst -md5 -r " + d.path + "/b > " + d.path + "/sum";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(testsupport::read_file(d.path + "/sum").substr(0, 32), actual);
}

TEST_F(HttpCheck, DigestOfChunkedBodyEqualsPlainBody) {
    std::string body(5000, 'x');
    body += "tail";
    TestHttpServer plain({.body = body});
    TestHttpServer chunked({.body = body, .chunked = true});
    auto r = check(http_target(plain, {url("/", {}, std::string("0"))}));
    std::string md5 = r.reason.substr(r.reason.rfind(' ') + 1);
    EXPECT_TRUE(check(http_target(chunked, {url("/", {}, md5)})).ok);
    EXPECT_TRUE(check(http_target(plain, {url("/", {}, md5)})).ok);
}

TEST_F(HttpCheck, EveryUrlMustPass) {
    TestHttpServer s({.status = 200});
    EXPECT_TRUE(check(http_target(s, {url("/a"), url("/b", {"200"})})).ok);
    EXPECT_FALSE(check(http_target(s, {url("/a"), url("/b", {"404"})})).ok);
    EXPECT_EQ(s.last_request().substr(0, 7), "GET /b ");
}

TEST_F(HttpCheck, SendsVirtualhostAndProtocolVersion) {
    TestHttpServer s({});
    auto t = http_target(s, {url("/healthz")});
    t.virtualhost = "api.example";
    t.protocol = "1.1";
    EXPECT_TRUE(check(t).ok);
    std::string req = s.last_request();
    EXPECT_EQ(req.substr(0, 25), "GET /healthz HTTP/1.1\r\nUs");
    EXPECT_NE(req.find("\r\nHost: api.example\r\n"), std::string::npos) << req;
    auto t2 = http_target(s);
    EXPECT_TRUE(check(t2).ok);
    EXPECT_NE(s.last_request().find("Host: 127.0.0.1:" + std::to_string(s.port()) + "\r\n"), std::string::npos);
    EXPECT_NE(s.last_request().find("HTTP/1.0"), std::string::npos);
}

TEST_F(HttpCheck, HungServerFailsWithinTimeoutWhileOtherChecksKeepSchedule) {
    TestHttpServer hung({.hang = true});
    TestHttpServer good({});
    // Many checkers of the hung server and one of a good one share this single thread.
    std::vector<std::shared_ptr<Checker>> hung_checkers;
    std::vector<std::optional<Checker::Report>> first(50);
    std::vector<std::chrono::steady_clock::time_point> at(50);
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i) {
        auto c = std::make_shared<HttpChecker>(io, testsupport::fast_policy(400), http_target(hung));
        c->start([&, i](const Checker::Report& r) {
            if (!first[i]) {
                first[i] = r;
                at[i] = std::chrono::steady_clock::now();
            }
        });
        hung_checkers.push_back(c);
    }
    auto goodc = std::make_shared<HttpChecker>(io, testsupport::fast_policy(400), http_target(good));
    std::vector<std::chrono::steady_clock::time_point> good_at;
    goodc->start([&](const Checker::Report& r) {
        EXPECT_TRUE(r.last.ok) << r.last.reason;
        good_at.push_back(std::chrono::steady_clock::now());
    });
    io.run_for(1500ms);
    for (auto& c : hung_checkers) c->stop();
    goodc->stop();
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(first[i]) << "hung check " << i << " never reported";
        EXPECT_FALSE(first[i]->last.ok);
        EXPECT_EQ(first[i]->last.reason, "timeout during read response");
        auto took = at[i] - start;
        EXPECT_GE(took, 390ms);
        EXPECT_LT(took, 900ms) << "a hung server must fail within its timeout";
    }
    // The good checker runs every 50 ms + exchange time; a stalled loop would give a handful at most.
    EXPECT_GE(good_at.size(), 12u);
    for (size_t i = 1; i < good_at.size(); ++i) EXPECT_LT(good_at[i] - good_at[i - 1], 250ms);
}

TEST_F(HttpCheck, EndlessBodyFailsByTheTimeoutEvenWithoutADigest) {
    // A 200 status line is not a healthy answer until the response has ended (keepalived reads it whole too).
    TestHttpServer endless({.endless = true});
    auto start = std::chrono::steady_clock::now();
    auto r = check(http_target(endless), testsupport::fast_policy(400));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, "timeout during read response");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(HttpCheck, ConnectTimeoutAppliesWhenNothingAnswersTheSyn) {
    // A listener whose accept queue is full drops new SYNs, so the connect phase hangs.
    ip::tcp::acceptor full(io);
    full.open(ip::tcp::v4());
    full.bind(ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0));
    full.listen(0);
    std::vector<std::unique_ptr<ip::tcp::socket>> fillers;
    for (int i = 0; i < 4; ++i) {
        fillers.push_back(std::make_unique<ip::tcp::socket>(io));
        fillers.back()->async_connect(full.local_endpoint(), [](auto) {});
    }
    io.run_for(200ms);
    HttpTarget t;
    t.tcp.endpoint = full.local_endpoint();
    auto r = check(t, testsupport::fast_policy(300));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, "timeout during connect");
    EXPECT_GE(r.latency, 290ms);
    EXPECT_LT(r.latency, 800ms);
}

TEST_F(HttpCheck, ServerRecoveringIsReportedUpAgain) {
    TestHttpServer s({.status = 500});
    auto c = std::make_shared<HttpChecker>(io, testsupport::fast_policy(), http_target(s));
    std::vector<Checker::Report> reports;
    c->start([&](const Checker::Report& r) {
        reports.push_back(r);
        if (reports.size() == 2) s.set_status(200);
        if (reports.size() == 4) c->stop();
    });
    io.run_for(5s);
    ASSERT_EQ(reports.size(), 4u);
    EXPECT_FALSE(reports[0].up);
    EXPECT_TRUE(reports[0].changed);
    EXPECT_FALSE(reports[1].up);
    EXPECT_FALSE(reports[1].changed);
    // The status change raced with the third request at most once.
    EXPECT_TRUE(reports[3].up);
}
