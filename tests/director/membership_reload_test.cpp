// A reload keeps the health-check state of real servers whose checks are defined as before: a failed
// server stays out, a healthy one stays in without a new rise count, and the running checker carries on.
#include <gtest/gtest.h>

#include "director/lvs/membership.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/shared_config.hpp"
#include "tests/director/run_until.hpp"
#include "tests/director/checked_server.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace director;
using namespace std::chrono_literals;
using testsupport::run_until;
using testsupport::TestHttpServer;

namespace {

// rise 3: a server whose state were rebuilt would need three passed checks to come back.
std::string real_server(const TestHttpServer& s, int weight) {
    return testsupport::checked_real_server(s, weight, "", "      rise 3\n");
}

std::string config_text(const TestHttpServer& a, int weight_a, const TestHttpServer& b) {
    return "virtual_server 198.18.0.100 443 {\n  delay_loop 1\n  protocol TCP\n" + real_server(a, weight_a) +
           real_server(b, 1) + "}\n";
}

uint64_t checks_of_first_server(const director::Membership& m) {
    return m.status()[0]["real_servers"][0]["checkers"][0]["checks"].get<uint64_t>();
}

}  // namespace

TEST(MembershipReload, UnchangedChecksKeepTheirStateAndTheirRunningChecker) {
    TestHttpServer a({}), b({});
    b.set_status(503);
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, testsupport::load_config(config_text(a, 2, b)));
    ASSERT_TRUE(m);
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return !m->decide(0, 1, 1).present; }, 5s)) << "b fails and is removed";
    EXPECT_TRUE(m->decide(0, 0, 2).present);
    auto checks_before = checks_of_first_server(*m);

    // The reload changes a's weight only: both servers' checks are defined as before.
    auto next = m->reload(testsupport::shared_config(config_text(a, 5, b)));
    ASSERT_TRUE(next);
    m.reset();  // the old membership goes, as in LvsComponent::apply
    next->start();
    EXPECT_FALSE(next->decide(0, 1, 1).present) << "the failed server stays out after the reload";
    auto d = next->decide(0, 0, 5);
    EXPECT_TRUE(d.present) << "the healthy one stays in without three new passes";
    EXPECT_EQ(d.weight, 5) << "with its new weight";
    int changes = 0;
    next->on_change = [&] { ++changes; };
    ASSERT_TRUE(run_until(io, [&] {
        return checks_of_first_server(*next) > checks_before + 2;
    }, 5s)) << "the same checker keeps counting: it was handed over, not rebuilt";
    EXPECT_FALSE(next->decide(0, 1, 1).present);

    b.set_status(200);
    ASSERT_TRUE(run_until(io, [&] { return next->decide(0, 1, 1).present; }, 5s)) << "reports reach the new membership";
    EXPECT_GE(changes, 1);
}

TEST(MembershipReload, RedefinedCheckStartsAfresh) {
    TestHttpServer a({}), b({});
    b.set_status(503);
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, testsupport::load_config(config_text(a, 2, b)));
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return !m->decide(0, 1, 1).present; }, 5s));
    auto text = config_text(a, 2, b);
    auto at = text.rfind("connect_timeout 0.3");
    text.replace(at, 19, "connect_timeout 0.4");  // b's check only
    auto next = m->reload(testsupport::shared_config(text));
    m.reset();
    EXPECT_TRUE(next->decide(0, 1, 1).present) << "a new check starts as at startup: in service until it fails";
}

TEST(MembershipReload, ConfigWithoutChecksHasNoMembership) {
    TestHttpServer a({}), b({});
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, testsupport::load_config(config_text(a, 2, b)));
    EXPECT_EQ(m->reload(testsupport::shared_config("virtual_server 198.18.0.100 443 {\n protocol TCP\n"
                                                 " real_server 127.0.0.1 1 { }\n}\n")),
              nullptr);
}

TEST(MembershipState, CarriedServerKeepsVerdictButTakesNewWeight) {
    auto cfg = testsupport::load_config("virtual_server 198.18.0.100 443 {\n protocol TCP\n quorum 3\n"
                                        " real_server 198.18.0.1 443 { weight 2\n TCP_CHECK { }\n }\n"
                                        " real_server 198.18.0.2 443 { weight 2\n TCP_CHECK { }\n }\n}\n");
    lvs::MembershipState old(cfg);
    old.apply(0, 1, 0, {false, true, healthcheck::failed("refused")});
    old.apply(0, 1, 0, {false, false, healthcheck::failed("refused")});
    ASSERT_EQ(old.state(0, 1), lvs::RsState::Removed);
    ASSERT_FALSE(old.quorum_up(0));
    cfg.virtual_servers[0].real_servers[0].weight = 4;
    lvs::MembershipState next(cfg);
    next.carry(0, 0, old, 0, 0);
    next.carry(0, 1, old, 0, 1);
    auto q = next.settle_quorum(0, old.quorum_up(0));
    EXPECT_EQ(next.state(0, 1), lvs::RsState::Removed);
    EXPECT_FALSE(next.decide(0, 1, 2).present);
    EXPECT_EQ(next.live_weight(0), 4) << "the kept server counts with its new weight";
    ASSERT_TRUE(q.has_value()) << "4 >= quorum 3: regained with the new weight";
    EXPECT_TRUE(q->up);
}

// A config with thousands of real servers is large: the membership keeps the daemon's (shared) config
// rather than a copy of it, and a reload's membership keeps the new one, letting the old one go.
TEST(MembershipReload, TheMembershipSharesTheConfigItIsGivenInsteadOfCopyingIt) {
    TestHttpServer a({}), b({});
    boost::asio::io_context io;
    auto first = testsupport::shared_config(config_text(a, 1, b));
    auto m = lvs::make_membership(io, first);
    ASSERT_TRUE(m);
    EXPECT_EQ(first.use_count(), 2) << "held by the test and by the membership";
    auto second = testsupport::shared_config(config_text(a, 3, b));
    auto next = m->reload(second);
    ASSERT_TRUE(next);
    m.reset();
    EXPECT_EQ(second.use_count(), 2) << "held by the test and by the reloaded membership";
    EXPECT_EQ(first.use_count(), 1) << "the old membership let its config go";
}
