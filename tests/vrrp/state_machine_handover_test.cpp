// Planned moves on simulated time: switchover (make before break, refusal when no peer answers, the
// preempt hold), maintenance and the sync catch-up before preemption.
#include <gtest/gtest.h>

#include <algorithm>

#include "vrrp/state_machine.hpp"

using namespace vrrp;
using namespace std::chrono_literals;
using K = Action::Kind;

namespace {

constexpr uint32_t kSelf = 0xC6120005;  // 198.18.0.5
constexpr uint32_t kPeer = 0xC6120002;  // 198.18.0.2
const TimePoint T0 = TimePoint{} + 1000s;

MachineParams params(int prio, Duration catchup = 0s) {
    MachineParams p;
    p.name = "VI_1";
    p.primary_ip = kSelf;
    p.priority = prio;
    p.sync_catchup = catchup;
    return p;
}

size_t count(const Actions& a, K kind) {
    return static_cast<size_t>(std::count_if(a.begin(), a.end(), [&](const Action& x) { return x.kind == kind; }));
}
std::vector<int> advert_priorities(const Actions& a) {
    std::vector<int> out;
    for (const auto& x : a)
        if (x.kind == K::SendAdvert) out.push_back(x.priority);
    return out;
}

Actions run_until(StateMachine& m, TimePoint until) {
    Actions all;
    while (auto d = m.next_deadline()) {
        if (*d > until) break;
        auto a = m.timers_expired(*d);
        all.insert(all.end(), a.begin(), a.end());
    }
    return all;
}

// A master at `now` (moved past its Master_Down_Interval).
StateMachine master(int prio, TimePoint& now, Duration catchup = 0s) {
    StateMachine m(params(prio, catchup));
    m.start(now);
    now += m.master_down_interval();
    m.timers_expired(now);
    EXPECT_EQ(m.state(), State::Master);
    return m;
}

}  // namespace

TEST(VrrpHandover, SwitchoverKeepsVipsUntilPeerIsMasterThenYields) {
    TimePoint now = T0;
    StateMachine m = master(110, now);
    Actions a;
    ASSERT_TRUE(m.begin_handover(now, std::nullopt, false, a));
    EXPECT_EQ(advert_priorities(a), std::vector<int>{0});
    EXPECT_EQ(count(a, K::RemoveVips), 0u);  // make before break
    EXPECT_EQ(m.state(), State::Master);

    // While waiting it repeats the priority-0 advert, never its own priority.
    Actions waiting = run_until(m, now + 2500ms);
    for (int p : advert_priorities(waiting)) EXPECT_EQ(p, 0);
    EXPECT_EQ(count(waiting, K::RemoveVips), 0u);

    // The peer (lower priority: it must win anyway) announces itself.
    a = m.advert_received(now + 2600ms, kPeer, 100);
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_EQ(count(a, K::RemoveVips), 1u);
    EXPECT_EQ(count(a, K::HandoverDone), 1u);
    EXPECT_TRUE(m.handover().ok);
    EXPECT_EQ(m.handover().new_master, kPeer);
    EXPECT_EQ(m.handover().took, 2600ms);
    EXPECT_EQ(m.master_address(), kPeer);
    EXPECT_NE(m.last_reason().find("switchover"), std::string::npos) << m.last_reason();
}

TEST(VrrpHandover, AfterSwitchoverTheOldMasterDoesNotPreemptBack) {
    TimePoint now = T0;
    StateMachine m = master(110, now);
    Actions a;
    m.begin_handover(now, std::nullopt, false, a);
    m.advert_received(now + 100ms, kPeer, 100);
    // The peer's adverts (lower priority) keep coming; with preempt on, this would normally take over.
    for (int i = 1; i <= 20; ++i) {
        m.advert_received(now + 100ms + i * 1s, kPeer, 100);
        run_until(m, now + 100ms + i * 1s);
    }
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_TRUE(m.preempt_held(now + 30s));
    // The peer dies: master again by the normal rules, and the hold is over.
    run_until(m, now + 100ms + 20s + m.master_down_interval());
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_FALSE(m.preempt_held(now + 60s));
}

TEST(VrrpHandover, HoldEndsAfterItsDurationAndPreemptionResumes) {
    TimePoint now = T0;
    StateMachine m = master(110, now);
    Actions a;
    m.begin_handover(now, Duration(5s), false, a);
    m.advert_received(now + 100ms, kPeer, 100);
    EXPECT_TRUE(m.preempt_held(now + 4s));
    EXPECT_FALSE(m.preempt_held(now + 5100ms));
    TimePoint t = now + 100ms;
    while (t < now + 5100ms) {
        t += 1s;
        m.advert_received(t, kPeer, 100);
        run_until(m, t);
        EXPECT_EQ(m.state(), State::Backup) << "preempted during the hold";
    }
    // Past the hold the lower-priority master's adverts no longer refresh the down timer.
    for (int i = 0; i < 5 && m.state() == State::Backup; ++i) {
        t += 1s;
        m.advert_received(t, kPeer, 100);
        run_until(m, t);
    }
    EXPECT_EQ(m.state(), State::Master);
}

TEST(VrrpHandover, NoPeerTakingOverResumesMasterWithoutDroppingVips) {
    TimePoint now = T0;
    StateMachine m = master(110, now);
    Actions a;
    m.begin_handover(now, std::nullopt, false, a);
    Actions all = run_until(m, now + 3s + 1s);
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(count(all, K::RemoveVips), 0u);
    EXPECT_EQ(count(all, K::HandoverDone), 1u);
    EXPECT_FALSE(m.handover().ok);
    EXPECT_EQ(m.handover().took, 4s);
    EXPECT_FALSE(m.handing_over());
    // Normal adverts at its own priority again.
    Actions after = run_until(m, now + 6s);
    ASSERT_FALSE(advert_priorities(after).empty());
    EXPECT_EQ(advert_priorities(after).back(), 110);
    EXPECT_FALSE(m.preempt_held(now + 6s));
}

TEST(VrrpHandover, OnlyAMasterCanHandOverAndOnlyOnceAtATime) {
    StateMachine b(params(100));
    b.start(T0);
    Actions a;
    EXPECT_FALSE(b.begin_handover(T0, std::nullopt, false, a));
    EXPECT_TRUE(a.empty());
    TimePoint now = T0;
    StateMachine m = master(110, now);
    EXPECT_TRUE(m.begin_handover(now, std::nullopt, false, a));
    EXPECT_FALSE(m.begin_handover(now + 10ms, std::nullopt, false, a));
}

TEST(VrrpHandover, StopDuringHandoverReportsItAbandoned) {
    TimePoint now = T0;
    StateMachine m = master(110, now);
    Actions a;
    m.begin_handover(now, std::nullopt, false, a);
    a = m.shutdown(now + 500ms);
    EXPECT_EQ(count(a, K::HandoverDone), 1u);
    EXPECT_FALSE(m.handover().ok);
    EXPECT_NE(m.handover().reason.find("stopping"), std::string::npos);
}

TEST(VrrpMaintenance, HandoverIntoMaintenanceNeverTakesTheVipBack) {
    TimePoint now = T0;
    StateMachine m = master(200, now);
    Actions a;
    m.begin_handover(now, std::nullopt, true, a);
    m.advert_received(now + 300ms, kPeer, 100);
    EXPECT_TRUE(m.maintenance());
    EXPECT_EQ(m.state(), State::Backup);
    // The peer goes silent: still no VIP here.
    Actions all = run_until(m, now + 60s);
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_EQ(count(all, K::AddVips), 0u);
}

TEST(VrrpMaintenance, ForcedOnAMasterDropsTheVipWithPriorityZero) {
    TimePoint now = T0;
    StateMachine m = master(110, now);
    Actions a = m.set_maintenance(now, true, "forced");
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_EQ(advert_priorities(a), std::vector<int>{0});
    EXPECT_EQ(count(a, K::RemoveVips), 1u);
}

TEST(VrrpMaintenance, StartingInMaintenanceStaysBackupEvenAsAddressOwner) {
    StateMachine m(params(255));
    m.set_maintenance(T0, true, "persisted");
    Actions a = m.start(T0);
    EXPECT_EQ(m.state(), State::Backup);
    Actions all = run_until(m, T0 + 30s);
    EXPECT_EQ(count(all, K::AddVips), 0u);
    EXPECT_EQ(m.state(), State::Backup);
}

TEST(VrrpMaintenance, OffResumesElectionAndPreemptsALowerMaster) {
    StateMachine m(params(200));
    m.set_maintenance(T0, true, "persisted");
    m.start(T0);
    TimePoint t = T0;
    for (int i = 0; i < 10; ++i) {
        t += 1s;
        m.advert_received(t, kPeer, 100);
        run_until(m, t);
    }
    EXPECT_EQ(m.state(), State::Backup);
    m.set_maintenance(t, false, "operator");
    for (int i = 0; i < 6 && m.state() == State::Backup; ++i) {
        t += 1s;
        m.advert_received(t, kPeer, 100);
        run_until(m, t);
    }
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_LE(m.state_since(), t);
}

TEST(VrrpMaintenance, OffWithNoMasterAroundBecomesMasterAfterMasterDownInterval) {
    StateMachine m(params(150));
    m.set_maintenance(T0, true, "persisted");
    m.start(T0);
    run_until(m, T0 + 20s);
    EXPECT_EQ(m.state(), State::Backup);
    m.set_maintenance(T0 + 20s, false, "operator");
    run_until(m, T0 + 20s + m.master_down_interval());
    EXPECT_EQ(m.state(), State::Master);
}

TEST(VrrpSyncCatchup, ReturningNodeLetsTheLowerMasterKeepTheVipUntilCatchupEnds) {
    StateMachine m(params(200, 8s));
    m.start(T0);
    TimePoint t = T0;
    // The lower-priority master advertises every second; Master_Down_Interval alone would preempt at ~3.2 s.
    while (t < T0 + 7900ms) {
        t += 1s;
        if (t > T0 + 7900ms) break;
        m.advert_received(t, kPeer, 100);
        run_until(m, t);
        EXPECT_EQ(m.state(), State::Backup) << "preempted before the catch-up ended, at +"
                                            << std::chrono::duration_cast<std::chrono::milliseconds>(t - T0).count();
    }
    run_until(m, T0 + 8s);
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(m.state_since(), T0 + 8s);
}

TEST(VrrpSyncCatchup, NoMasterAtAllIsNotWaitedFor) {
    StateMachine m(params(200, 30s));
    m.start(T0);
    run_until(m, T0 + m.master_down_interval());
    EXPECT_EQ(m.state(), State::Master);
}
