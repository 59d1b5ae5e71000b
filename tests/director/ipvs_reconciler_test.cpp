#include <gtest/gtest.h>

#include "director/config/model.hpp"
#include "director/lvs/reconciler.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"

using namespace director;
using director::ipvs::Op;
using director::ipvs::testing::FakeKernel;

namespace {

config::Config load(const std::string& text) { return testsupport::load_config(text); }

const char* kThree = R"(
virtual_server 198.18.0.100 6443 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.18.0.11 6443 { weight 1 }
    real_server 198.18.0.12 6443 { weight 2 }
    real_server 198.18.0.13 6443 { weight 3 }
}
)";

ipvs::ServiceKey vip() { return {ipvs::Protocol::TCP, 0xC6120064, 6443, 0}; }

// Health that takes one real server out, or sets its weight, to drive membership changes.
struct ScriptedHealth : lvs::HealthSource {
    std::map<size_t, lvs::RealServerDecision> override_;
    bool sorry = false;
    lvs::RealServerDecision decide(size_t, size_t rs, int32_t w) const override {
        auto it = override_.find(rs);
        return it == override_.end() ? lvs::RealServerDecision{true, w} : it->second;
    }
    bool use_sorry_server(size_t) const override { return sorry; }
};

}  // namespace

TEST(IpvsReconciler, ColdStartAddsServiceThenEachDestination) {
    auto cfg = load(kThree);
    FakeKernel k;
    lvs::Reconciler r(k);
    auto res = r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    EXPECT_TRUE(res.ok);
    EXPECT_EQ(res.added, 4u);
    ASSERT_EQ(k.log.size(), 4u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::AddService);
    ASSERT_EQ(k.table.count(vip()), 1u);
    EXPECT_EQ(k.table[vip()].service.scheduler, "rr");
    EXPECT_EQ(k.table[vip()].destinations.size(), 3u);
    EXPECT_EQ(k.table[vip()].destinations[2].dest.weight, 3);
}

TEST(IpvsReconciler, SecondPassWithNoChangeSendsNothing) {
    auto cfg = load(kThree);
    FakeKernel k;
    lvs::Reconciler r(k);
    auto desired = lvs::desired_state(cfg, lvs::AlwaysUp{});
    r.reconcile(desired);
    k.log.clear();
    auto res = r.reconcile(desired);
    EXPECT_EQ(res.changes(), 0u);
    EXPECT_TRUE(k.log.empty());
}

TEST(IpvsReconciler, SchedulerChangeIsAnEditNotDeleteAndAdd) {
    auto cfg = load(kThree);
    FakeKernel k;
    lvs::Reconciler r(k);
    r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    k.table[vip()].stats.conns = 42;  // traffic the service carried
    k.log.clear();
    cfg.virtual_servers[0].scheduler = "wlc";
    cfg.virtual_servers[0].persistence_timeout_s = 300;
    r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    ASSERT_EQ(k.log.size(), 1u);
    EXPECT_EQ(k.log[0].kind, Op::Kind::EditService);
    EXPECT_EQ(k.table[vip()].service.scheduler, "wlc");
    EXPECT_TRUE(k.table[vip()].service.flags & ipvs::kFlagPersistent);
    EXPECT_EQ(k.table[vip()].stats.conns, 42u);
}

TEST(IpvsReconciler, StartAdoptsMatchingRulesWithoutTouchingThem) {
    auto cfg = load(kThree);
    FakeKernel k;
    {
        lvs::Reconciler first(k);  // a previous run (or one killed with -9) left the rules
        first.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    }
    k.table[vip()].stats.conns = 7;
    k.log.clear();
    lvs::Reconciler again(k);
    auto res = again.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    EXPECT_EQ(res.adopted, 1u);
    EXPECT_TRUE(k.log.empty());
    EXPECT_EQ(k.table[vip()].stats.conns, 7u);
    EXPECT_EQ(again.owned().count(vip()), 1u);
}

TEST(IpvsReconciler, ForeignServiceIsLeftAloneWithoutLvsFlush) {
    auto cfg = load(kThree);
    FakeKernel k;
    ipvs::Service foreign;
    foreign.key = {ipvs::Protocol::TCP, 0x0A000001, 443, 0};
    k.add_service(foreign);
    k.log.clear();
    lvs::Reconciler r(k);
    r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    EXPECT_EQ(k.table.count(foreign.key), 1u);
    EXPECT_EQ(k.count(Op::Kind::DelService), 0u);
    r.remove_owned();
    EXPECT_EQ(k.table.count(foreign.key), 1u);
    EXPECT_EQ(k.table.count(vip()), 0u);
}

TEST(IpvsReconciler, LvsFlushRemovesForeignServicesButKeepsOwnCounters) {
    auto cfg = load(kThree);
    FakeKernel k;
    ipvs::Service foreign;
    foreign.key = {ipvs::Protocol::UDP, 0x0A000001, 53, 0};
    k.add_service(foreign);
    lvs::Reconciler(k).reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    k.table[vip()].stats.conns = 9;
    lvs::Reconciler r(k);
    r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}), /*delete_foreign=*/true);
    EXPECT_EQ(k.table.count(foreign.key), 0u);
    EXPECT_EQ(k.table[vip()].stats.conns, 9u);
}

TEST(IpvsReconciler, DriftIsRepairedWithTheSmallestChange) {
    auto cfg = load(kThree);
    FakeKernel k;
    lvs::Reconciler r(k);
    auto desired = lvs::desired_state(cfg, lvs::AlwaysUp{});
    r.reconcile(desired);
    // Someone deletes one real server and changes another's weight behind our back.
    auto& d = k.table[vip()].destinations;
    d.erase(d.begin());
    d[0].dest.weight = 50;
    k.log.clear();
    auto res = r.reconcile(desired);
    EXPECT_EQ(res.added, 1u);
    EXPECT_EQ(res.edited, 1u);
    EXPECT_EQ(k.log.size(), 2u);
    // Service deleted entirely: re-added with every destination.
    k.table.erase(vip());
    k.log.clear();
    res = r.reconcile(desired);
    EXPECT_EQ(res.added, 4u);
}

TEST(IpvsReconciler, ServiceDroppedFromConfigIsDeletedBecauseWeOwnedIt) {
    auto cfg = load(kThree);
    FakeKernel k;
    lvs::Reconciler r(k);
    r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    config::Config empty;
    r.reconcile(lvs::desired_state(empty, lvs::AlwaysUp{}));
    EXPECT_TRUE(k.table.empty());
}

TEST(IpvsReconciler, HealthDecisionsRemoveOrDrainRealServers) {
    auto cfg = load(kThree);
    FakeKernel k;
    lvs::Reconciler r(k);
    ScriptedHealth h;
    r.reconcile(lvs::desired_state(cfg, h));
    h.override_[0] = {false, 0};  // down: removed
    h.override_[1] = {true, 0};   // inhibit_on_failure: weight 0
    k.log.clear();
    r.reconcile(lvs::desired_state(cfg, h));
    EXPECT_EQ(k.count(Op::Kind::DelDest), 1u);
    EXPECT_EQ(k.count(Op::Kind::EditDest), 1u);
    ASSERT_EQ(k.table[vip()].destinations.size(), 2u);
    for (const auto& ds : k.table[vip()].destinations)
        if (ds.dest.address == 0xC612000C) EXPECT_EQ(ds.dest.weight, 0);
}

TEST(IpvsReconciler, SorryServerJoinsWhenHealthSaysQuorumIsLost) {
    auto cfg = load(R"(
virtual_server 198.18.0.100 80 {
    protocol TCP
    sorry_server 198.18.0.99 8080
    real_server 198.18.0.11 80 { }
}
)");
    FakeKernel k;
    lvs::Reconciler r(k);
    ScriptedHealth h;
    h.sorry = true;
    h.override_[0] = {false, 0};
    r.reconcile(lvs::desired_state(cfg, h));
    ipvs::ServiceKey key{ipvs::Protocol::TCP, 0xC6120064, 80, 0};
    ASSERT_EQ(k.table[key].destinations.size(), 1u);
    EXPECT_EQ(k.table[key].destinations[0].dest.port, 8080);
}

TEST(IpvsReconciler, KernelErrorsAreCountedAndDoNotStopLaterOps) {
    auto cfg = load(kThree);
    struct Failing : FakeKernel {
        void add_dest(const ipvs::ServiceKey& k, const ipvs::Destination& d) override {
            if (d.weight == 2) {
                log.push_back(Op::add_dest(k, d));
                throw ipvs::KernelError(EINVAL, "bad");
            }
            FakeKernel::add_dest(k, d);
        }
    } k;
    lvs::Reconciler r(k);
    auto res = r.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(res.failed, 1u);
    EXPECT_EQ(res.added, 3u);
    ASSERT_EQ(res.errors.size(), 1u);
    EXPECT_NE(res.errors[0].find("add-dest TCP 198.18.0.100:6443 -> 198.18.0.12:6443"), std::string::npos);
}

TEST(IpvsReconciler, PlanDeletesFirstThenAddsServiceBeforeItsDestinations) {
    lvs::DesiredService d;
    d.service.key = {ipvs::Protocol::TCP, 1, 80, 0};
    d.dests.push_back({2, 80, ipvs::Forward::Masq, 1, 0, 0});
    ipvs::ServiceState old;
    old.service.key = {ipvs::Protocol::TCP, 9, 80, 0};
    auto ops = lvs::plan({d}, {old}, {old.service.key}, false);
    ASSERT_EQ(ops.size(), 3u);
    EXPECT_EQ(ops[0].kind, Op::Kind::DelService);
    EXPECT_EQ(ops[1].kind, Op::Kind::AddService);
    EXPECT_EQ(ops[2].kind, Op::Kind::AddDest);
}

TEST(IpvsReconciler, HashedFlagReportedByKernelIsNotADifference) {
    ipvs::Service want;
    want.scheduler = "rr";
    ipvs::Service have = want;
    have.flags = ipvs::kFlagHashed;
    EXPECT_FALSE(lvs::service_differs(want, have));
    have.flags |= ipvs::kFlagOnePacket;
    EXPECT_TRUE(lvs::service_differs(want, have));
}
