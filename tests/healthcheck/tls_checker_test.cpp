// SSL_GET against real TLS servers on 127.0.0.1 with a test PKI made at run time.
#include <gtest/gtest.h>

#include "healthcheck/http_checker.hpp"
#include "tests/healthcheck/checker_harness.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;
using testsupport::Pki;
using testsupport::ServerTls;
using testsupport::TestHttpServer;

class TlsCheck : public ::testing::Test {
protected:
    boost::asio::io_context io;
    const Pki& pki = Pki::get();

    std::shared_ptr<TlsClient> client(bool with_ca = true, bool with_cert = false, std::string ca = "ca.crt") {
        TlsOptions o;
        if (with_ca) o.ca = pki.file(ca);
        if (with_cert) {
            o.certificate = pki.file("client.crt");
            o.key = pki.file("client.key");
        }
        return std::make_shared<TlsClient>(o);
    }
    TestHttpServer::Options server(const std::string& name, bool require_client = false) {
        TestHttpServer::Options o;
        o.tls = ServerTls{pki.file(name + ".crt"), pki.file(name + ".key"), require_client ? pki.file("ca.crt") : ""};
        return o;
    }
    HttpTarget target(const TestHttpServer& s, std::shared_ptr<TlsClient> tls) {
        HttpTarget t;
        t.tcp.endpoint = s.endpoint();
        t.urls = {UrlCheck{}};
        t.urls[0].path = "/healthz";
        t.tls = std::move(tls);
        return t;
    }
    std::vector<Checker::Report> checks(HttpTarget t, size_t n = 1) { return testsupport::http_checks(io, std::move(t), n); }
    CheckResult check(HttpTarget t) { return testsupport::first_result(checks(std::move(t))); }
};

TEST_F(TlsCheck, RightCaAndIpSanPasses) {
    TestHttpServer s(server("server"));
    auto r = check(target(s, client()));
    EXPECT_TRUE(r.ok) << r.reason;
    EXPECT_EQ(r.reason, "HTTP 200");
}

TEST_F(TlsCheck, CertificateFromAnotherCaFails) {
    TestHttpServer s(server("other-server"));
    auto r = check(target(s, client()));
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("certificate verify failed"), std::string::npos) << r.reason;
    EXPECT_EQ(s.requests(), 0) << "no request may be sent to an unverified server";
}

TEST_F(TlsCheck, CertificateWithoutTheServerIpFails) {
    TestHttpServer s(server("wrongip-server"));
    auto r = check(target(s, client()));
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("IP address mismatch"), std::string::npos) << r.reason;
}

TEST_F(TlsCheck, SniNameIsTheNameChecked) {
    TestHttpServer s(server("wrongip-server"));
    auto t = target(s, client());
    t.sni_name = "elsewhere.test";
    EXPECT_TRUE(check(t).ok);
    t.sni_name = "api.test";
    auto r = check(t);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("hostname mismatch"), std::string::npos) << r.reason;
}

TEST_F(TlsCheck, ClientCertificateIsSentWhenConfigured) {
    TestHttpServer s(server("server", /*require_client=*/true));
    auto without = check(target(s, client(true, false)));
    EXPECT_FALSE(without.ok);
    auto with = check(target(s, client(true, true)));
    EXPECT_TRUE(with.ok) << with.reason;
    EXPECT_EQ(s.requests(), 1);
}

TEST_F(TlsCheck, WithoutCaChecksRunUnverified) {
    TestHttpServer s(server("other-server"));
    auto r = check(target(s, client(false)));
    EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(TlsCheck, SessionIsResumedOnLaterChecks) {
    TestHttpServer s(server("server"));
    auto r = checks(target(s, client()), 4);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_FALSE(r[0].last.tls_resumed);
    for (size_t i = 1; i < r.size(); ++i) EXPECT_TRUE(r[i].last.tls_resumed) << "check " << i;
    EXPECT_EQ(s.handshakes(), 4);
    EXPECT_EQ(s.resumed(), 3);
}

TEST_F(TlsCheck, BadCaFileIsAClearError) {
    TlsOptions o;
    o.ca = pki.file("missing-ca.crt");
    try {
        TlsClient c(o);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing-ca.crt"), std::string::npos) << e.what();
    }
}

TEST_F(TlsCheck, PlainHttpServerFailsTlsHandshake) {
    TestHttpServer s({});
    auto r = check(target(s, client()));
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("tls handshake"), std::string::npos) << r.reason;
}
