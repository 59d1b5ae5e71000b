// Membership decisions driven by checker reports (no clock, no sockets): drain -> remove -> back,
// inhibit_on_failure, alpha, misc_dynamic weights, quorum with hysteresis and the sorry_server.
#include <gtest/gtest.h>

#include "director/lvs/membership.hpp"

using namespace director;
using namespace director::lvs;
using healthcheck::Checker;

namespace {

config::RealServerConf real_server(uint32_t last_octet, int32_t weight, size_t checkers = 1, bool inhibit = false) {
    config::RealServerConf rs;
    rs.address = (198u << 24) | (18u << 16) | last_octet;
    rs.port = 443;
    rs.weight = weight;
    rs.inhibit_on_failure = inhibit;
    for (size_t i = 0; i < checkers; ++i) {
        config::CheckerConf c;
        c.kind = config::CheckerKind::Tcp;
        rs.checkers.push_back(c);
    }
    return rs;
}

config::Config one_vs(std::vector<config::RealServerConf> rss, bool alpha = false) {
    config::Config cfg;
    config::VirtualServerConf vs;
    vs.alpha = alpha;
    vs.real_servers = std::move(rss);
    cfg.virtual_servers.push_back(vs);
    return cfg;
}

Checker::Report fail(bool changed) { return {false, changed, healthcheck::failed("connection refused")}; }
Checker::Report pass(bool changed, std::optional<int> weight = {}) {
    auto r = healthcheck::passed("ok");
    r.weight = weight;
    return {true, changed, r};
}

}  // namespace

TEST(MembershipState, FailureDrainsThenNextFailureRemovesThenRecoveryRestoresWeight) {
    auto cfg = one_vs({real_server(1, 5)});
    MembershipState m(cfg);
    EXPECT_EQ(m.decide(0, 0, 5).weight, 5);
    EXPECT_TRUE(m.apply(0, 0, 0, fail(true)));
    EXPECT_EQ(m.state(0, 0), RsState::Draining);
    auto d = m.decide(0, 0, 5);
    EXPECT_TRUE(d.present);
    EXPECT_EQ(d.weight, 0);
    auto tr = m.take_transitions();
    ASSERT_EQ(tr.size(), 1u);
    EXPECT_FALSE(tr[0].up);

    EXPECT_TRUE(m.apply(0, 0, 0, fail(false)));
    EXPECT_EQ(m.state(0, 0), RsState::Removed);
    EXPECT_FALSE(m.decide(0, 0, 5).present);
    EXPECT_TRUE(m.take_transitions().empty()) << "removal is not a second down notification";

    EXPECT_FALSE(m.apply(0, 0, 0, fail(false))) << "further failures change nothing";

    EXPECT_TRUE(m.apply(0, 0, 0, pass(true)));
    d = m.decide(0, 0, 5);
    EXPECT_TRUE(d.present);
    EXPECT_EQ(d.weight, 5);
    tr = m.take_transitions();
    ASSERT_EQ(tr.size(), 1u);
    EXPECT_TRUE(tr[0].up);
}

TEST(MembershipState, RecoveryWhileDrainingReturnsWithoutRemoval) {
    auto cfg = one_vs({real_server(1, 3)});
    MembershipState m(cfg);
    m.apply(0, 0, 0, fail(true));
    EXPECT_TRUE(m.apply(0, 0, 0, pass(true)));
    EXPECT_EQ(m.state(0, 0), RsState::Up);
    EXPECT_EQ(m.decide(0, 0, 3).weight, 3);
}

TEST(MembershipState, InhibitOnFailureKeepsServerAtWeightZero) {
    auto cfg = one_vs({real_server(1, 4, 1, /*inhibit=*/true)});
    MembershipState m(cfg);
    m.apply(0, 0, 0, fail(true));
    m.apply(0, 0, 0, fail(false));
    m.apply(0, 0, 0, fail(false));
    auto d = m.decide(0, 0, 4);
    EXPECT_TRUE(d.present);
    EXPECT_EQ(d.weight, 0);
    m.apply(0, 0, 0, pass(true));
    EXPECT_EQ(m.decide(0, 0, 4).weight, 4);
}

TEST(MembershipState, AlphaStartsOutOfServiceUntilFirstSuccess) {
    auto cfg = one_vs({real_server(1, 2)}, /*alpha=*/true);
    MembershipState m(cfg);
    EXPECT_FALSE(m.decide(0, 0, 2).present);
    EXPECT_FALSE(m.apply(0, 0, 0, fail(false)));
    EXPECT_FALSE(m.decide(0, 0, 2).present);
    EXPECT_TRUE(m.apply(0, 0, 0, pass(true)));
    EXPECT_EQ(m.decide(0, 0, 2).weight, 2);
}

TEST(MembershipState, AlphaWithInhibitStartsAtWeightZero) {
    auto cfg = one_vs({real_server(1, 2, 1, true)}, true);
    MembershipState m(cfg);
    auto d = m.decide(0, 0, 2);
    EXPECT_TRUE(d.present);
    EXPECT_EQ(d.weight, 0);
}

TEST(MembershipState, ServerIsUpOnlyWhenAllCheckersPass) {
    auto cfg = one_vs({real_server(1, 1, 2)});
    MembershipState m(cfg);
    m.apply(0, 0, 1, fail(true));
    EXPECT_EQ(m.state(0, 0), RsState::Draining);
    m.apply(0, 0, 0, pass(false));
    EXPECT_EQ(m.state(0, 0), RsState::Draining) << "checker 1 still fails";
    m.apply(0, 0, 1, pass(true));
    EXPECT_EQ(m.state(0, 0), RsState::Up);
}

TEST(MembershipState, ServerWithoutCheckersIsAlwaysInService) {
    auto cfg = one_vs({real_server(1, 7, 0)}, true);
    MembershipState m(cfg);
    EXPECT_EQ(m.decide(0, 0, 7).weight, 7);
}

TEST(MembershipState, MiscDynamicWeightReplacesConfiguredWeight) {
    auto cfg = one_vs({real_server(1, 10)});
    MembershipState m(cfg);
    EXPECT_TRUE(m.apply(0, 0, 0, pass(false, 3)));
    EXPECT_EQ(m.decide(0, 0, 10).weight, 3);
    EXPECT_FALSE(m.apply(0, 0, 0, pass(false))) << "exit 0 keeps the current dynamic weight";
    EXPECT_TRUE(m.apply(0, 0, 0, pass(false, 0)));
    EXPECT_EQ(m.decide(0, 0, 10).weight, 0);
    EXPECT_EQ(m.dynamic_weight(0, 0), 0);
}

TEST(MembershipState, QuorumLossInstallsSorryServerWithHysteresis) {
    auto cfg = one_vs({real_server(1, 1), real_server(2, 1), real_server(3, 1)});
    cfg.virtual_servers[0].quorum = 2;
    cfg.virtual_servers[0].hysteresis = 1;
    config::SorryServerConf sorry;
    sorry.address = (198u << 24) | (18u << 16) | 99;
    sorry.port = 443;
    cfg.virtual_servers[0].sorry_server = sorry;
    MembershipState m(cfg);
    EXPECT_TRUE(m.quorum_up(0));
    EXPECT_FALSE(m.use_sorry_server(0));
    // 3 -> 2 -> 1 live: quorum 2 - hysteresis 1 = 1 is still enough.
    m.apply(0, 0, 0, fail(true));
    m.apply(0, 1, 0, fail(true));
    EXPECT_EQ(m.live_weight(0), 1);
    EXPECT_FALSE(m.use_sorry_server(0));
    EXPECT_TRUE(m.apply(0, 2, 0, fail(true)));
    EXPECT_TRUE(m.use_sorry_server(0));
    EXPECT_FALSE(m.decide(0, 2, 1).present) << "the sorry_server replaces the real servers";
    auto q = m.take_quorum_changes();
    ASSERT_EQ(q.size(), 1u);
    EXPECT_FALSE(q[0].up);
    // Back needs quorum + hysteresis = 3 live.
    m.apply(0, 0, 0, pass(true));
    m.apply(0, 1, 0, pass(true));
    EXPECT_TRUE(m.use_sorry_server(0));
    EXPECT_TRUE(m.apply(0, 2, 0, pass(true)));
    EXPECT_FALSE(m.use_sorry_server(0));
    EXPECT_EQ(m.decide(0, 2, 1).weight, 1);
}

TEST(MembershipState, QuorumLossWithoutSorryServerKeepsDecisions) {
    auto cfg = one_vs({real_server(1, 1)});
    cfg.virtual_servers[0].quorum = 1;
    MembershipState m(cfg);
    m.apply(0, 0, 0, fail(true));
    EXPECT_FALSE(m.quorum_up(0));
    EXPECT_FALSE(m.use_sorry_server(0));
    EXPECT_TRUE(m.decide(0, 0, 1).present);
}
