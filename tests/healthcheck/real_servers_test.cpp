// HTTP_GET / SSL_GET against the servers users actually run: nginx (Debian package) for HTTP and HTTPS,
// and `openssl s_server`, with a test CA whose server certificates carry IP SANs like an apiserver's.
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <unistd.h>

#include "healthcheck/http_checker.hpp"
#include "tests/healthcheck/checker_harness.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;
using testsupport::ChildProcess;
using testsupport::Pki;
namespace ip = boost::asio::ip;

namespace {

// nginx with an HTTP and an HTTPS server on loopback, all state in a temp dir.
struct Nginx {
    testsupport::TempDir dir;
    uint16_t http_port = testsupport::free_port(), https_port = testsupport::free_port();
    std::unique_ptr<ChildProcess> proc;

    // `http`: more directives for the http block (keepalive_requests, keepalive_timeout, ...).
    Nginx(const std::string& cert, const std::string& key, const std::string& client_ca = "", const std::string& http = "") {
        testsupport::write_file(dir.path + "/healthz", "ok\n");
        std::string tls = "ssl_certificate " + cert + "; ssl_certificate_key " + key + ";";
        if (!client_ca.empty()) tls += " ssl_verify_client on; ssl_client_certificate " + client_ca + ";";
        std::string d = dir.path;
        std::string conf = std::string(geteuid() == 0 ? "user root root;\n" : "") +
                           "worker_processes 1;\npid " + d + "/nginx.pid;\nerror_log " + d + "/error.log;\n" +
                           "events { worker_connections 256; }\nhttp {\n" +
                           "  log_format conn '$connection $connection_requests $ssl_session_reused';\n" +
                           "  access_log " + d + "/access.log conn;\n  " + http + "\n" +
                           "  client_body_temp_path " + d + "/cb; proxy_temp_path " + d + "/px;\n" +
                           "  fastcgi_temp_path " + d + "/fc; uwsgi_temp_path " + d + "/uw; scgi_temp_path " + d + "/sc;\n" +
                           "  ssl_session_cache shared:hc:1m;\n" +
                           "  server {\n    listen 127.0.0.1:" + std::to_string(http_port) + ";\n    listen 127.0.0.1:" +
                           std::to_string(https_port) + " ssl;\n    " + tls + "\n    root " + d + ";\n" +
                           "    location = /healthz { default_type text/plain; }\n" +
                           "    location = /down { return 503; }\n  }\n}\n";
        testsupport::write_file(d + "/nginx.conf", conf);
        proc = std::make_unique<ChildProcess>(
            std::vector<std::string>{"nginx", "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log", "-g", "daemon off;"});
        bool up = testsupport::poll_until(
            [&] { return testsupport::port_open("127.0.0.1", http_port) && testsupport::port_open("127.0.0.1", https_port); },
            10s);
        if (!up) throw std::runtime_error("nginx did not start: " + testsupport::read_file(d + "/error.log"));
    }
    // Per request, as nginx logged it: the connection's serial number, the request's number on it, and
    // whether its TLS session was resumed ("r") or not (".").
    struct Logged {
        long connection, request;
        std::string resumed;
    };
    std::vector<Logged> log() const {
        std::vector<Logged> out;
        std::istringstream in(testsupport::read_file(dir.path + "/access.log"));
        Logged l;
        while (in >> l.connection >> l.request >> l.resumed) out.push_back(l);
        return out;
    }
    // nginx writes a request's line once the response is out, so it can trail the checker's report.
    bool logged(size_t n) const {
        return testsupport::poll_until([&] { return log().size() >= n; }, 5s);
    }
    std::set<long> connections() const {
        std::set<long> c;
        for (const auto& l : log()) c.insert(l.connection);
        return c;
    }
};

// openssl s_server serving files from a temp dir (-WWW), one connection at a time.
struct SServer {
    testsupport::TempDir dir;
    uint16_t port = testsupport::free_port();
    std::unique_ptr<ChildProcess> proc;
    SServer(const std::string& cert, const std::string& key, std::vector<std::string> extra = {}) {
        testsupport::write_file(dir.path + "/healthz", "ok\n");
        std::vector<std::string> argv{"openssl", "s_server", "-quiet", "-accept", "127.0.0.1:" + std::to_string(port),
                                      "-cert", cert, "-key", key, "-WWW"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        proc = std::make_unique<ChildProcess>(argv, dir.path);
        if (!testsupport::poll_until([&] { return testsupport::port_open("127.0.0.1", port); }, 10s))
            throw std::runtime_error("openssl s_server did not start");
    }
};

std::string md5_of(const std::string& s) {
    testsupport::TempDir d;
    testsupport::write_file(d.path + "/f", s);
    std::string cmd = "openssl dgst -md5 -r " + d.path + "/f > " + d.path + "/sum";
    if (std::system(cmd.c_str()) != 0) return "";
    return testsupport::read_file(d.path + "/sum").substr(0, 32);
}

class RealServers : public ::testing::Test {
protected:
    boost::asio::io_context io;
    const Pki& pki = Pki::get();

    std::vector<Checker::Report> run(HttpTarget t, size_t n = 1) { return testsupport::http_checks(io, std::move(t), n); }
    CheckResult one(HttpTarget t) { return testsupport::first_result(run(std::move(t))); }
    HttpTarget target(uint16_t port, const std::string& path, std::vector<std::string> codes = {},
                      std::optional<std::string> digest = {}) {
        HttpTarget t;
        t.tcp.endpoint = {ip::make_address("127.0.0.1"), port};
        UrlCheck u;
        u.path = path;
        for (auto& w : codes) u.status.ranges.push_back(*StatusCodes::parse_word(w));
        u.digest = digest;
        t.urls = {u};
        return t;
    }
    std::shared_ptr<TlsClient> tls(const std::string& ca, bool client_cert = false) {
        TlsOptions o;
        o.ca = ca.empty() ? "" : pki.file(ca);
        if (client_cert) o.certificate = pki.file("client.crt"), o.key = pki.file("client.key");
        return std::make_shared<TlsClient>(o);
    }
};

}  // namespace

TEST_F(RealServers, NginxHttpStatusCodesAndDigest) {
    Nginx nginx(pki.file("server.crt"), pki.file("server.key"));
    auto ok = one(target(nginx.http_port, "/healthz", {}, md5_of("ok\n")));
    EXPECT_TRUE(ok.ok) << ok.reason;
    EXPECT_FALSE(one(target(nginx.http_port, "/healthz", {}, md5_of("not ok\n"))).ok);
    auto down = one(target(nginx.http_port, "/down"));
    EXPECT_FALSE(down.ok);
    EXPECT_EQ(down.reason, "HTTP 503 not an accepted status_code");
    EXPECT_TRUE(one(target(nginx.http_port, "/down", {"500-599"})).ok);
    EXPECT_FALSE(one(target(nginx.http_port, "/missing")).ok);
    auto t11 = target(nginx.http_port, "/healthz", {"200"}, md5_of("ok\n"));
    t11.protocol = "1.1";
    EXPECT_TRUE(one(t11).ok);
}

TEST_F(RealServers, NginxHttpsVerifiedAgainstTestCaWithIpSanAndResumed) {
    Nginx nginx(pki.file("server.crt"), pki.file("server.key"));
    auto t = target(nginx.https_port, "/healthz", {"200"}, md5_of("ok\n"));
    t.tls = tls("ca.crt");
    t.keepalive_requests = 1;  // a connection per check, as keepalived: each one resumes the session
    auto r = run(t, 3);
    ASSERT_EQ(r.size(), 3u);
    for (auto& x : r) EXPECT_TRUE(x.last.ok) << x.last.reason;
    ASSERT_TRUE(nginx.logged(3));
    EXPECT_EQ(nginx.connections().size(), 3u);
    EXPECT_FALSE(r[0].last.tls_resumed);
    EXPECT_TRUE(r[1].last.tls_resumed);
    EXPECT_TRUE(r[2].last.tls_resumed);
    t.tls = tls("other-ca.crt");
    auto bad = one(t);
    EXPECT_FALSE(bad.ok);
    EXPECT_NE(bad.reason.find("certificate verify failed"), std::string::npos) << bad.reason;
}

TEST_F(RealServers, NginxKeepsOneVerifiedTlsConnectionForManyChecks) {
    Nginx nginx(pki.file("server.crt"), pki.file("server.key"));
    auto t = target(nginx.https_port, "/healthz", {"200"}, md5_of("ok\n"));
    t.tls = tls("ca.crt");
    auto r = run(t, 5);
    ASSERT_EQ(r.size(), 5u);
    for (auto& x : r) EXPECT_TRUE(x.last.ok) << x.last.reason;
    for (size_t i = 1; i < r.size(); ++i) EXPECT_TRUE(r[i].last.connection_reused) << "check " << i;
    ASSERT_TRUE(nginx.logged(5));
    auto log = nginx.log();
    EXPECT_EQ(nginx.connections().size(), 1u);
    EXPECT_EQ(log.back().request, 5);
}

TEST_F(RealServers, NginxEndingKeepAliveConnectionsIsStillCheckedWithoutAFailure) {
    // nginx answers its second request on a connection with `Connection: close`...
    {
        Nginx nginx(pki.file("server.crt"), pki.file("server.key"), "", "keepalive_requests 2;");
        auto t = target(nginx.https_port, "/healthz");
        t.tls = tls("ca.crt");
        auto r = run(t, 6);
        ASSERT_EQ(r.size(), 6u);
        for (auto& x : r) EXPECT_TRUE(x.last.ok) << x.last.reason;
        ASSERT_TRUE(nginx.logged(6));
        EXPECT_EQ(nginx.connections().size(), 3u);
        for (const auto& l : nginx.log())
            if (l.request == 1 && l.connection != nginx.log().front().connection) {
                EXPECT_EQ(l.resumed, "r") << "connection " << l.connection;
            }
    }
    // ...and closes connections idle for longer than its keepalive_timeout, here between checks.
    {
        Nginx nginx(pki.file("server.crt"), pki.file("server.key"), "", "keepalive_timeout 100ms;");
        auto t = target(nginx.https_port, "/healthz");
        t.tls = tls("ca.crt");
        auto p = testsupport::fast_policy(2000);
        p.interval = 400ms;
        auto r = testsupport::http_checks(io, t, 3, p);
        ASSERT_EQ(r.size(), 3u);
        for (auto& x : r) EXPECT_TRUE(x.last.ok) << x.last.reason;
        ASSERT_TRUE(nginx.logged(3));
        EXPECT_EQ(nginx.connections().size(), 3u);
        EXPECT_TRUE(r[2].last.tls_resumed);
    }
}

TEST_F(RealServers, NginxWithCertificateFromAnotherCaFails) {
    Nginx nginx(pki.file("other-server.crt"), pki.file("other-server.key"));
    auto t = target(nginx.https_port, "/healthz");
    t.tls = tls("ca.crt");
    EXPECT_FALSE(one(t).ok);
    t.tls = tls("");  // no CA: unverified, still checked
    EXPECT_TRUE(one(t).ok);
}

TEST_F(RealServers, NginxRequiringClientCertificate) {
    Nginx nginx(pki.file("server.crt"), pki.file("server.key"), pki.file("ca.crt"));
    auto t = target(nginx.https_port, "/healthz");
    t.tls = tls("ca.crt");
    auto without = one(t);
    EXPECT_FALSE(without.ok);
    EXPECT_EQ(without.reason, "HTTP 400 not an accepted status_code");
    t.tls = tls("ca.crt", true);
    auto with = one(t);
    EXPECT_TRUE(with.ok) << with.reason;
}

TEST_F(RealServers, OpensslSServerWithIpSanAndSniName) {
    SServer s(pki.file("server.crt"), pki.file("server.key"));
    auto t = target(s.port, "/healthz", {"200"}, md5_of("ok\n"));
    t.tls = tls("ca.crt");
    auto r = run(t, 2);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(r[0].last.ok) << r[0].last.reason;
    EXPECT_TRUE(r[1].last.ok) << r[1].last.reason;
    EXPECT_TRUE(r[1].last.tls_resumed);
    t.sni_name = "api.test";
    t.enable_sni = true;
    EXPECT_TRUE(one(t).ok);
    t.sni_name = "kubernetes.default";
    EXPECT_FALSE(one(t).ok);
}

TEST_F(RealServers, OpensslSServerCertificateWithoutServerIpFails) {
    SServer s(pki.file("wrongip-server.crt"), pki.file("wrongip-server.key"));
    auto t = target(s.port, "/healthz");
    t.tls = tls("ca.crt");
    auto r = one(t);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("IP address mismatch"), std::string::npos) << r.reason;
}

TEST_F(RealServers, OpensslSServerRequiringClientCertificate) {
    SServer s(pki.file("server.crt"), pki.file("server.key"), {"-Verify", "1", "-CAfile", pki.file("ca.crt")});
    auto t = target(s.port, "/healthz");
    t.tls = tls("ca.crt", true);
    auto with = one(t);
    EXPECT_TRUE(with.ok) << with.reason;
    t.tls = tls("ca.crt", false);
    EXPECT_FALSE(one(t).ok);
}
