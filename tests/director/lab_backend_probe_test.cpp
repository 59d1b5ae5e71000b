// The lab's PKI and HTTPS backend against the drill's prober, all on 127.0.0.1: verified probes pass,
// a stopped backend shows as a gap, an unrelated CA or a wrong IP is refused, and the long-lived
// connection keeps being answered over keep-alive.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "director/drill/probe.hpp"
#include "director/drill/window.hpp"
#include "director/lab/https_backend.hpp"
#include "director/lab/pki.hpp"
#include "run_until.hpp"
#include "temp_dir.hpp"

namespace {

using namespace director;
using namespace std::chrono_literals;

// Verifies `leaf` against `ca` for `ip` the way OpenSSL does for a client.
bool verifies(const std::filesystem::path& ca, const std::filesystem::path& leaf, const char* ip) {
    auto read = [](const std::filesystem::path& p) {
        FILE* f = std::fopen(p.c_str(), "r");
        X509* x = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
        if (f) std::fclose(f);
        return x;
    };
    X509* c = read(ca);
    X509* l = read(leaf);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, c);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, l, nullptr);
    X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx), ip);
    bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(c);
    X509_free(l);
    return ok;
}

TEST(LabPki, LeafCarriesItsAddressesAndChainsToTheLabCa) {
    director::testing::TempDir d;
    lab::write_pki(d.path(), {{"backend-1", {"198.18.10.21", "198.18.10.100"}}});
    EXPECT_TRUE(verifies(d.path() / "ca.crt", d.path() / "backend-1.crt", "198.18.10.21"));
    EXPECT_TRUE(verifies(d.path() / "ca.crt", d.path() / "backend-1.crt", "198.18.10.100"));
    EXPECT_FALSE(verifies(d.path() / "ca.crt", d.path() / "backend-1.crt", "198.18.10.22"));
    auto mode = std::filesystem::status(d.path() / "backend-1.key").permissions();
    EXPECT_EQ(mode & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

TEST(LabBackend, AnswersHealthzAndNamesItselfElsewhere) {
    EXPECT_NE(lab::backend_response("GET /healthz HTTP/1.1", "b1", true).find("\r\n\r\nok"), std::string::npos);
    auto other = lab::backend_response("GET / HTTP/1.1", "b1", false);
    EXPECT_NE(other.find("served by b1"), std::string::npos);
    EXPECT_NE(other.find("Connection: close"), std::string::npos);
    EXPECT_EQ(lab::backend_response("POST / HTTP/1.1", "b1", true).rfind("HTTP/1.1 405", 0), 0u);
    EXPECT_EQ(lab::backend_response("garbage", "b1", true).rfind("HTTP/1.1 400", 0), 0u);
}

class Probe : public ::testing::Test {
protected:
    void SetUp() override {
        lab::write_pki(dir_.path(), {{"local", {"127.0.0.1"}}});
        lab::write_pki(dir_.path() / "other", {});
        start_backend(0);
    }
    void start_backend(unsigned short port) {
        lab::BackendOptions o;
        o.listen = {boost::asio::ip::make_address("127.0.0.1"), port};
        o.certificate = (dir_.path() / "local.crt").string();
        o.key = (dir_.path() / "local.key").string();
        o.name = "local";
        backend_ = std::make_unique<lab::HttpsBackend>(io_, o);
        backend_->start();
    }
    drill::ProbeOptions options(const std::string& url, const std::string& ca) {
        std::string err;
        auto u = drill::parse_probe_url(url, err);
        EXPECT_TRUE(u) << err;
        drill::ProbeOptions o;
        o.url = *u;
        o.ca = ca;
        o.timeout = 500ms;
        return o;
    }
    std::string url(const std::string& scheme, const std::string& path = "/healthz") {
        return scheme + "://127.0.0.1:" + std::to_string(backend_->port()) + path;
    }
    boost::asio::io_context io_;
    director::testing::TempDir dir_;
    std::unique_ptr<lab::HttpsBackend> backend_;
};

TEST_F(Probe, VerifiedHttpsProbesPassEvery50MsAndTheLongLivedConnectionKeepsAsking) {
    drill::Prober p(io_, options(url("https"), (dir_.path() / "ca.crt").string()));
    auto begin = drill::Clock::now();
    p.start();
    ASSERT_TRUE(testsupport::run_until(io_, [&] { return p.samples().size() >= 10 && p.long_lived_requests() >= 3; }, 10s));
    p.stop();
    auto w = drill::window_stats(p.samples(), begin, drill::Clock::now());
    EXPECT_EQ(w.failed, 0u) << p.samples().back().reason;
    EXPECT_EQ(p.long_lived_ok(), true) << p.long_lived_error();
    // Each probe is its own connection; the long-lived one is one more connection asked again and again.
    EXPECT_GE(backend_->served(), w.probes + 3);
}

TEST_F(Probe, AnUnrelatedCaFailsEveryProbeAndTheLongLivedConnection) {
    drill::Prober p(io_, options(url("https"), (dir_.path() / "other" / "ca.crt").string()));
    p.start();
    ASSERT_TRUE(testsupport::run_until(io_, [&] { return p.samples().size() >= 3 && p.long_lived_ok() == false; }, 10s));
    p.stop();
    for (const auto& s : p.samples()) EXPECT_FALSE(s.ok);
    EXPECT_NE(p.long_lived_error().find("tls"), std::string::npos) << p.long_lived_error();
}

TEST_F(Probe, AStoppedBackendIsAGapThatEndsWhenItAnswersAgain) {
    drill::Prober p(io_, options(url("tcp", ""), ""));
    unsigned short port = backend_->port();
    auto begin = drill::Clock::now();
    p.start();
    ASSERT_TRUE(testsupport::run_until(io_, [&] { return p.samples().size() >= 3; }, 10s));
    backend_.reset();  // connection refused from now on
    auto stopped = drill::Clock::now();
    ASSERT_TRUE(testsupport::run_until(io_, [&] {
        auto s = p.samples();
        return std::count_if(s.begin(), s.end(), [](const auto& x) { return !x.ok; }) >= 4;
    }, 10s));
    start_backend(port);
    auto restarted = drill::Clock::now();
    ASSERT_TRUE(testsupport::run_until(io_, [&] { return p.samples().back().ok && p.samples().back().started > restarted; }, 10s));
    p.stop();
    auto w = drill::window_stats(p.samples(), begin, drill::Clock::now());
    EXPECT_GE(w.failed, 4u);
    EXPECT_GE(w.gap, std::chrono::duration_cast<std::chrono::milliseconds>(restarted - stopped) - 60ms);
    EXPECT_FALSE(p.long_lived_ok().has_value()) << "a tcp probe has no request to keep asking";
}

TEST(ProbeUrl, ParsesTheThreeSchemesAndRefusesNamesAndBadPorts) {
    std::string err;
    auto u = drill::parse_probe_url("https://198.18.10.100:6443/healthz", err);
    ASSERT_TRUE(u) << err;
    EXPECT_EQ(u->scheme, drill::ProbeUrl::Scheme::Https);
    EXPECT_EQ(u->endpoint.port(), 6443);
    EXPECT_EQ(u->path, "/healthz");
    u = drill::parse_probe_url("http://198.18.10.100", err);
    ASSERT_TRUE(u) << err;
    EXPECT_EQ(u->endpoint.port(), 80);
    EXPECT_EQ(u->path, "/");
    for (std::string bad : {"tcp://198.18.0.1", "ftp://198.18.0.1:21", "https://api.example:6443/", "tcp://1.2.3.4:0",
                            "tcp://1.2.3.4:70000", "tcp://1.2.3.4:80/x", "http://1.2.3.4:8x/"}) {
        err.clear();
        EXPECT_FALSE(drill::parse_probe_url(bad, err)) << bad;
        EXPECT_NE(err.find("--probe"), std::string::npos) << bad;
    }
}

TEST(DrillWindow, GapRunsFromTheFirstFailureToTheNextPassAndProbesOutsideDoNotCount) {
    using drill::Clock;
    auto t0 = Clock::now();
    auto at = [&](int ms, bool ok) { return drill::Sample{t0 + std::chrono::milliseconds(ms), t0 + std::chrono::milliseconds(ms + 5), ok, ""}; };
    // Out of order on purpose: overlapping probes finish in any order.
    std::vector<drill::Sample> s{at(100, true), at(200, false), at(150, false), at(250, true), at(300, false),
                                 at(350, true), at(900, false)};
    auto w = drill::window_stats(s, t0 + 50ms, t0 + 400ms);
    EXPECT_EQ(w.probes, 6u);
    EXPECT_EQ(w.failed, 3u);
    EXPECT_EQ(w.gap, 100ms);  // 150 .. 250
    auto tail = drill::window_stats(s, t0 + 800ms, t0 + 1000ms);
    EXPECT_EQ(tail.gap, 100ms) << "a run still failing at the end lasts until the window's end";
    EXPECT_EQ(drill::window_stats({at(10, true)}, t0, t0 + 20ms).gap, 0ms);
}

}  // namespace
