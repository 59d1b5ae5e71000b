#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // designated initializers leave the rest default on purpose
// Membership with real checkers against real servers on 127.0.0.1, configured in keepalived syntax.
#include <gtest/gtest.h>

#include <thread>

#include "director/lvs/membership.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/run_until.hpp"
#include "tests/director/checked_server.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace director;
using namespace std::chrono_literals;
using testsupport::run_until;
using testsupport::TestHttpServer;

namespace {

std::string real_server(const TestHttpServer& s, const std::string& extra = "") {
    return testsupport::checked_real_server(s, 3, extra);
}

config::Config load(const std::string& text) { return testsupport::load_config(text, "membership.conf"); }

}  // namespace

TEST(MembershipLoopback, FailingServerDrainsIsRemovedAndComesBack) {
    TestHttpServer a({}), b({});
    testsupport::TempDir dir;
    std::string log = dir.path + "/notify.log";
    std::string script = dir.path + "/notify.sh";
    testsupport::write_file(script, "#!/bin/sh\necho \"$1\" >> " + log + "\n", 0755);
    auto cfg = load("virtual_server 198.18.0.100 443 {\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n" +
                    real_server(a) +
                    real_server(b, "    notify_up \"" + script + " up\"\n    notify_down \"" + script + " down\"\n") + "}\n");
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    ASSERT_TRUE(m);
    int changes = 0;
    m->on_change = [&] { ++changes; };
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return b.requests() >= 2; }, 5s));
    EXPECT_EQ(m->decide(0, 1, 3).weight, 3);

    b.set_status(503);
    auto failed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(run_until(io, [&] { return m->decide(0, 1, 3).weight == 0; }, 5s));
    EXPECT_TRUE(m->decide(0, 1, 3).present) << "first failure drains, it does not remove";
    EXPECT_LT(std::chrono::steady_clock::now() - failed_at, 1s);
    int req = b.requests();
    ASSERT_TRUE(run_until(io, [&] { return !m->decide(0, 1, 3).present; }, 5s));
    EXPECT_GE(b.requests(), req + 1) << "removal happens at a later check";
    EXPECT_EQ(m->decide(0, 0, 3).weight, 3) << "the healthy server is untouched";

    auto st = m->status();
    const auto& rs = st[0]["real_servers"][1];
    EXPECT_EQ(rs["state"], "removed");
    EXPECT_EQ(rs["in_table"], false);
    EXPECT_EQ(rs["checkers"][0]["last"]["reason"], "HTTP 503 not an accepted status_code");
    EXPECT_GE(rs["checkers"][0]["last"]["latency_ms"].get<double>(), 0.0);

    b.set_status(200);
    ASSERT_TRUE(run_until(io, [&] { return m->decide(0, 1, 3).present && m->decide(0, 1, 3).weight == 3; }, 5s));
    EXPECT_GE(changes, 3);
    ASSERT_TRUE(run_until(io, [&] { return testsupport::read_file(log) == "down\nup\n"; }, 5s))
        << testsupport::read_file(log);
    m->stop();
}

TEST(MembershipLoopback, HealthChecksSumTheCheckersAndCountAStartTheBusyLoopDelayedPastConnectTimeout) {
    TestHttpServer a({});
    auto cfg = load("virtual_server 198.18.0.100 443 {\n  lb_kind NAT\n  protocol TCP\n" + real_server(a) + "}\n");
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    ASSERT_TRUE(m);
    m->start();
    auto checks = [&] { return m->health_checks()["checks"].get<uint64_t>(); };
    // Stops right after the handler that counted the second check, which also set the next check's timer
    // (delay_loop 0.05 s) ...
    ASSERT_TRUE(run_until(io, [&] { return checks() >= 2; }, 5s));
    auto before = m->health_checks();
    EXPECT_EQ(before["checkers"], 1);
    EXPECT_EQ(before["late_starts"], 0);
    EXPECT_EQ(before["starts"], before["checks"]) << "no retries configured";
    // ... so keeping the loop from running for 0.4 s starts that check 0.35 s late, past connect_timeout 0.3.
    std::this_thread::sleep_for(400ms);
    ASSERT_TRUE(run_until(io, [&] { return checks() >= 3; }, 5s));
    auto after = m->health_checks();
    EXPECT_EQ(after["late_starts"], 1);
    EXPECT_GE(after["start_delay_max_ms"].get<double>(), 350.0);
    const auto& buckets = after["start_delay_buckets"];
    EXPECT_EQ(buckets.back()["le"], "+Inf");
    EXPECT_EQ(buckets.back()["count"], after["starts"]) << "buckets are cumulative";
    auto st = m->status();
    const auto& checker = st[0]["real_servers"][0]["checkers"][0];
    EXPECT_EQ(checker["late_starts"], 1);
    EXPECT_EQ(checker["starts"], after["starts"]);
    m->stop();
}

TEST(MembershipLoopback, InhibitOnFailureKeepsServerInTableAtZero) {
    TestHttpServer a({.status = 500});
    auto cfg = load("virtual_server 198.18.0.100 443 {\n  lb_kind NAT\n  protocol TCP\n" +
                    real_server(a, "    inhibit_on_failure\n") + "}\n");
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return a.requests() >= 4; }, 5s));
    auto d = m->decide(0, 0, 3);
    EXPECT_TRUE(d.present);
    EXPECT_EQ(d.weight, 0);
    m->stop();
}

TEST(MembershipLoopback, AlphaServerEntersOnlyAfterFirstSuccess) {
    TestHttpServer a({.hang = true});
    auto cfg = load("virtual_server 198.18.0.100 443 {\n  lb_kind NAT\n  protocol TCP\n  alpha\n" + real_server(a) + "}\n");
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    EXPECT_FALSE(m->decide(0, 0, 3).present);
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return a.requests() >= 1; }, 5s));
    EXPECT_FALSE(m->decide(0, 0, 3).present);
    a.set_hang(false);
    ASSERT_TRUE(run_until(io, [&] { return m->decide(0, 0, 3).present; }, 5s));
    EXPECT_EQ(m->decide(0, 0, 3).weight, 3);
    m->stop();
}

TEST(MembershipLoopback, QuorumLossSwitchesToSorryServer) {
    TestHttpServer a({}), b({});
    auto cfg = load("virtual_server 198.18.0.100 443 {\n  lb_kind NAT\n  protocol TCP\n  quorum 2\n"
                    "  sorry_server 127.0.0.1 9\n" +
                    real_server(a) + real_server(b) + "}\n");
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return b.requests() >= 1; }, 5s));
    EXPECT_FALSE(m->use_sorry_server(0));
    a.set_status(500);
    b.set_status(500);
    ASSERT_TRUE(run_until(io, [&] { return m->use_sorry_server(0); }, 5s));
    EXPECT_FALSE(m->decide(0, 0, 3).present);
    a.set_status(200);
    b.set_status(200);
    ASSERT_TRUE(run_until(io, [&] { return !m->use_sorry_server(0); }, 5s));
    EXPECT_EQ(m->status()[0]["quorum_up"], true);
    m->stop();
}

TEST(MembershipLoopback, NoCheckersMeansNoMembership) {
    auto cfg = load("virtual_server 198.18.0.100 443 {\n  lb_kind NAT\n  protocol TCP\n"
                    "  real_server 127.0.0.1 8080 {\n    weight 1\n  }\n}\n");
    boost::asio::io_context io;
    EXPECT_EQ(lvs::make_membership(io, cfg), nullptr);
}
