// Real servers removed from the file by a reload are drained (weight 0) before they are deleted.
#include <gtest/gtest.h>

#include "director/lvs/reconciler.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"

using namespace director;
using namespace std::chrono_literals;
using director::ipvs::Op;
using director::ipvs::testing::FakeKernel;
using testsupport::load_config;

namespace {

const std::string kTwo = R"(
virtual_server 198.18.0.100 6443 {
    lb_algo rr
    protocol TCP
    real_server 198.18.0.11 6443 { weight 1 }
    real_server 198.18.0.12 6443 { weight 2 }
}
)";
const std::string kOne = R"(
virtual_server 198.18.0.100 6443 {
    lb_algo rr
    protocol TCP
    real_server 198.18.0.11 6443 { weight 1 }
}
)";

ipvs::ServiceKey vip() { return {ipvs::Protocol::TCP, 0xC6120064, 6443, 0}; }
const std::pair<uint32_t, uint16_t> kLeaving{0xC612000C, 6443};

ipvs::DestinationState* dest(FakeKernel& k, std::pair<uint32_t, uint16_t> key) {
    for (auto& d : k.table[vip()].destinations)
        if (d.dest.key() == key) return &d;
    return nullptr;
}

struct Drain : ::testing::Test {
    FakeKernel k;
    lvs::Reconciler r{k};
    lvs::DrainList::Clock::time_point t0 = lvs::DrainList::Clock::now();
    void SetUp() override {
        r.reconcile(lvs::desired_state(load_config(kTwo), lvs::AlwaysUp{}), false, t0);
        k.log.clear();
    }
    lvs::ReconcileResult reload_to_one(std::chrono::seconds timeout, lvs::DrainList::Clock::time_point at) {
        r.drain(vip(), kLeaving, t0 + timeout);
        return r.reconcile(lvs::desired_state(load_config(kOne), lvs::AlwaysUp{}), false, at);
    }
};

}  // namespace

TEST_F(Drain, RemovedServerWithActiveConnectionsGoesToWeightZeroNotAway) {
    dest(k, kLeaving)->active_conns = 5;
    dest(k, kLeaving)->stats.inpkts = 1234;
    auto res = reload_to_one(60s, t0);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::EditDest);
    EXPECT_EQ(k.log[0].dest.weight, 0);
    ASSERT_NE(dest(k, kLeaving), nullptr) << "still in the table while its connections finish";
    EXPECT_EQ(dest(k, kLeaving)->dest.weight, 0);
    EXPECT_EQ(dest(k, kLeaving)->stats.inpkts, 1234u);
    EXPECT_EQ(res.draining, 1u);
    EXPECT_TRUE(res.drained.empty());

    k.log.clear();
    auto again = r.reconcile(lvs::desired_state(load_config(kOne), lvs::AlwaysUp{}), false, t0 + 1s);
    EXPECT_TRUE(k.log.empty()) << "a draining server already at weight 0 is left alone";
    EXPECT_EQ(again.draining, 1u);
}

TEST_F(Drain, DrainedServerIsDeletedOnceItsLastConnectionEnds) {
    dest(k, kLeaving)->active_conns = 5;
    reload_to_one(60s, t0);
    dest(k, kLeaving)->active_conns = 0;
    dest(k, kLeaving)->inactive_conns = 3;  // TIME_WAIT and the like do not hold a drain
    k.log.clear();
    auto res = r.reconcile(lvs::desired_state(load_config(kOne), lvs::AlwaysUp{}), false, t0 + 2s);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::DelDest);
    EXPECT_EQ(dest(k, kLeaving), nullptr);
    ASSERT_EQ(res.drained.size(), 1u);
    EXPECT_EQ(res.drained[0].active_conns, 0u);
    EXPECT_EQ(res.draining, 0u);
}

TEST_F(Drain, DrainTimeoutDeletesEvenWithConnectionsLeft) {
    dest(k, kLeaving)->active_conns = 5;
    reload_to_one(10s, t0);
    k.log.clear();
    auto res = r.reconcile(lvs::desired_state(load_config(kOne), lvs::AlwaysUp{}), false, t0 + 10s);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::DelDest);
    ASSERT_EQ(res.drained.size(), 1u);
    EXPECT_EQ(res.drained[0].active_conns, 5u) << "reported as cut by the timeout";
}

TEST_F(Drain, IdleRemovedServerIsDeletedAtOnce) {
    auto res = reload_to_one(60s, t0);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::DelDest);
    EXPECT_EQ(res.draining, 0u);
}

TEST_F(Drain, ServerBackInTheConfigStopsDrainingWithItsWeight) {
    dest(k, kLeaving)->active_conns = 5;
    reload_to_one(60s, t0);
    k.log.clear();
    auto res = r.reconcile(lvs::desired_state(load_config(kTwo), lvs::AlwaysUp{}), false, t0 + 1s);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::EditDest);
    EXPECT_EQ(dest(k, kLeaving)->dest.weight, 2);
    EXPECT_EQ(res.draining, 0u);
    EXPECT_TRUE(r.drains().empty());
}

TEST_F(Drain, ServerNotListedForDrainingIsCutAsBefore) {
    dest(k, kLeaving)->active_conns = 5;
    r.reconcile(lvs::desired_state(load_config(kOne), lvs::AlwaysUp{}), false, t0);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::DelDest) << "health removals and hand-added servers are not drained here";
}

TEST_F(Drain, HandDeletedServerIsRestoredByTheNextReconcile) {
    k.table[vip()].destinations.erase(k.table[vip()].destinations.begin());
    r.reconcile(lvs::desired_state(load_config(kTwo), lvs::AlwaysUp{}), false, t0);
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::AddDest);
    EXPECT_EQ(k.table[vip()].destinations.size(), 2u);
}
