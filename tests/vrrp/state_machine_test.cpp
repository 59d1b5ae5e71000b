#include <gtest/gtest.h>

#include <algorithm>

#include "vrrp/state_machine.hpp"

using namespace vrrp;
using namespace std::chrono_literals;
using K = Action::Kind;

namespace {

constexpr uint32_t kSelf = 0xC6120005;   // 198.18.0.5
constexpr uint32_t kLowIp = 0xC6120002;  // lower than kSelf
constexpr uint32_t kHighIp = 0xC6120009; // higher than kSelf

// The fake clock: a fixed origin plus offsets.
const TimePoint T0 = TimePoint{} + 1000s;

MachineParams params(int prio) {
    MachineParams p;
    p.name = "VI_1";
    p.primary_ip = kSelf;
    p.priority = prio;
    p.adver_int_s = 1;
    return p;
}

bool has(const Actions& a, K kind) {
    return std::any_of(a.begin(), a.end(), [&](const Action& x) { return x.kind == kind; });
}
int advert_priority(const Actions& a) {
    for (const auto& x : a)
        if (x.kind == K::SendAdvert) return x.priority;
    return -1;
}

// Drive the machine's own timers up to `until`, collecting every action (what the driver does).
Actions run_until(StateMachine& m, TimePoint until) {
    Actions all;
    while (auto d = m.next_deadline()) {
        if (*d > until) break;
        auto a = m.timers_expired(*d);
        all.insert(all.end(), a.begin(), a.end());
    }
    return all;
}

StateMachine master_at(int prio, TimePoint& now) {
    StateMachine m(params(prio));
    m.start(now);
    now += m.master_down_interval();
    m.timers_expired(now);
    return m;
}

}  // namespace

TEST(VrrpStateMachine, TimersFollowRfcFormulas) {
    StateMachine m(params(100));
    // Skew_Time = (256-100)/256 s = 0.609375 s; Master_Down_Interval = 3*1 + Skew_Time.
    EXPECT_EQ(m.skew_time(), 609375us);
    EXPECT_EQ(m.master_down_interval(), 3609375us);
    StateMachine hi(params(254));
    EXPECT_EQ(hi.skew_time(), 7812us);  // 2/256 s, truncated to the microsecond
}

TEST(VrrpStateMachine, StartsAsBackupAndBecomesMasterAfterMasterDownInterval) {
    StateMachine m(params(110));
    Actions a = m.start(T0);
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_FALSE(has(a, K::AddVips));
    EXPECT_EQ(m.next_deadline(), T0 + m.master_down_interval());

    EXPECT_TRUE(m.timers_expired(T0 + m.master_down_interval() - 1us).empty());
    EXPECT_EQ(m.state(), State::Backup);

    a = m.timers_expired(T0 + m.master_down_interval());
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(advert_priority(a), 110);
    EXPECT_TRUE(has(a, K::AddVips));
    EXPECT_TRUE(has(a, K::SendGarp));
    EXPECT_EQ(m.master_address(), kSelf);
}

TEST(VrrpStateMachine, StateMasterBelow255StillWaitsAndYieldsToBetterAdvert) {
    StateMachine m(params(110));  // config said `state MASTER`: the machine starts as backup regardless
    m.start(T0);
    m.advert_received(T0 + 500ms, kLowIp, 120);
    EXPECT_EQ(m.state(), State::Backup);
    run_until(m, T0 + 500ms + m.master_down_interval() - 1us);
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_EQ(m.master_address(), kLowIp);
}

TEST(VrrpStateMachine, AddressOwnerIsMasterAtOnce) {
    StateMachine m(params(255));
    Actions a = m.start(T0);
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(advert_priority(a), 255);
    EXPECT_TRUE(has(a, K::AddVips));
}

TEST(VrrpStateMachine, MasterAdvertisesEveryAdverInt) {
    TimePoint now = T0;
    StateMachine m = master_at(100, now);
    Actions a = run_until(m, now + 3s);
    EXPECT_EQ(std::count_if(a.begin(), a.end(), [](const Action& x) { return x.kind == K::SendAdvert; }), 3);
}

TEST(VrrpStateMachine, BackupHearingPriorityZeroTakesOverAfterSkewTime) {
    StateMachine m(params(100));
    m.start(T0);
    m.advert_received(T0 + 1s, kHighIp, 110);
    m.advert_received(T0 + 1500ms, kHighIp, 0);
    EXPECT_EQ(m.next_deadline(), T0 + 1500ms + m.skew_time());
    run_until(m, T0 + 1500ms + m.skew_time());
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_NE(m.last_reason().find("priority-0"), std::string::npos) << m.last_reason();
}

TEST(VrrpStateMachine, MasterHearingPriorityZeroAdvertisesAtOnce) {
    TimePoint now = T0;
    StateMachine m = master_at(100, now);
    Actions a = m.advert_received(now + 200ms, kHighIp, 0);
    EXPECT_EQ(advert_priority(a), 100);
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(m.adver_timer(), now + 200ms + 1s);
}

TEST(VrrpStateMachine, MasterHearingLowerPriorityAdvertisesAtOnce) {
    TimePoint now = T0;
    StateMachine m = master_at(110, now);
    Actions a = m.advert_received(now + 100ms, kHighIp, 100);
    EXPECT_EQ(advert_priority(a), 110);
    EXPECT_EQ(m.state(), State::Master);
}

TEST(VrrpStateMachine, MasterHearingHigherPriorityBecomesBackupAndDropsVips) {
    TimePoint now = T0;
    StateMachine m = master_at(100, now);
    Actions a = m.advert_received(now + 100ms, kLowIp, 110);
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_TRUE(has(a, K::RemoveVips));
    EXPECT_FALSE(has(a, K::SendAdvert));
    EXPECT_EQ(m.master_address(), kLowIp);
    EXPECT_EQ(m.master_down_timer(), now + 100ms + m.master_down_interval());
}

TEST(VrrpStateMachine, EqualPriorityHigherPrimaryAddressWins) {
    TimePoint now = T0;
    StateMachine m = master_at(100, now);
    m.advert_received(now + 100ms, kLowIp, 100);
    EXPECT_EQ(m.state(), State::Master) << "lower address at equal priority must yield to us";
    m.advert_received(now + 200ms, kHighIp, 100);
    EXPECT_EQ(m.state(), State::Backup) << "higher address at equal priority wins";
}

TEST(VrrpStateMachine, PreemptingBackupIgnoresLowerMasterAndTakesOver) {
    StateMachine m(params(110));
    m.start(T0);
    // A lower master keeps advertising; its adverts must not reset our down timer.
    for (int i = 1; i <= 3; ++i) m.advert_received(T0 + i * 1s, kLowIp, 100);
    EXPECT_EQ(m.master_down_timer(), T0 + m.master_down_interval());
    run_until(m, T0 + m.master_down_interval());
    EXPECT_EQ(m.state(), State::Master);
}

TEST(VrrpStateMachine, PreemptingNodeHoldsAndAnnouncesTheVipBeforeItsAdvertReleasesTheOldMaster) {
    StateMachine m(params(110));
    m.start(T0);
    m.advert_received(T0 + 1s, kLowIp, 100);  // a live lower master: our first advert makes it let go
    Actions a = run_until(m, T0 + m.master_down_interval());
    ASSERT_EQ(m.state(), State::Master);
    std::vector<K> order;
    for (const Action& x : a) order.push_back(x.kind);
    // Hosts must be sending here (VIP added, gratuitous ARP out) before the old master drops the VIP, and
    // notify_master runs when the VIP is already there.
    EXPECT_EQ(order, (std::vector<K>{K::AddVips, K::SendGarp, K::SendAdvert, K::Notify}));
}

TEST(VrrpStateMachine, NopreemptBackupStaysBehindLowerMaster) {
    MachineParams p = params(110);
    p.preempt = false;
    StateMachine m(p);
    m.start(T0);
    for (int i = 1; i <= 20; ++i) {
        m.advert_received(T0 + i * 1s, kLowIp, 100);
        run_until(m, T0 + i * 1s + 999ms);
    }
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_EQ(m.master_address(), kLowIp);
    // ... but still takes over when the lower master goes silent.
    run_until(m, T0 + 20s + m.master_down_interval());
    EXPECT_EQ(m.state(), State::Master);
}

TEST(VrrpStateMachine, PreemptDelayWaitsFromFirstLowerAdvert) {
    MachineParams p = params(110);
    p.preempt_delay = 10s;
    StateMachine m(p);
    m.start(T0);
    TimePoint first = T0 + 1s;
    TimePoint t = first;
    for (; t < first + 10s; t += 1s) {
        m.advert_received(t, kLowIp, 100);
        run_until(m, t + 999ms);
        ASSERT_EQ(m.state(), State::Backup) << "preempted early at +" << (t - first).count();
    }
    m.advert_received(t, kLowIp, 100);
    run_until(m, first + 10s);
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(m.state_since(), first + 10s);
}

TEST(VrrpStateMachine, BackupHearingEqualPriorityKeepsWaiting) {
    StateMachine m(params(100));
    m.start(T0);
    m.advert_received(T0 + 1s, kLowIp, 100);
    EXPECT_EQ(m.master_down_timer(), T0 + 1s + m.master_down_interval());
}

TEST(VrrpStateMachine, TrackWeightLowersAdvertisedPriorityAndBackupPreempts) {
    TimePoint now = T0;
    StateMachine master = master_at(110, now);
    Actions a = master.set_effective_priority(now + 1ms, 90);  // 110 + weight -20
    EXPECT_EQ(advert_priority(a), 90) << "new priority is advertised at once";

    StateMachine backup(params(100));
    backup.start(T0);
    backup.advert_received(now, kLowIp, 110);
    backup.advert_received(now + 1ms, kLowIp, 90);  // discarded: lower and we preempt
    run_until(backup, now + backup.master_down_interval());
    EXPECT_EQ(backup.state(), State::Master);
}

TEST(VrrpStateMachine, SkewUsesEffectivePriority) {
    StateMachine m(params(100));
    m.set_effective_priority(T0, 200);
    EXPECT_EQ(m.skew_time(), Duration(56 * 1000000LL / 256));
}

TEST(VrrpStateMachine, FaultReleasesVipsSendsNothingAndReturnsAsBackup) {
    TimePoint now = T0;
    StateMachine m = master_at(110, now);
    Actions a = m.set_fault(now, true, "chk_apiserver is down");
    EXPECT_EQ(m.state(), State::Fault);
    EXPECT_TRUE(has(a, K::RemoveVips));
    EXPECT_EQ(advert_priority(a), 0) << "leaving master hands over with priority 0";
    EXPECT_FALSE(m.next_deadline());
    EXPECT_TRUE(run_until(m, now + 60s).empty());
    EXPECT_TRUE(m.advert_received(now + 1s, kLowIp, 100).empty());

    a = m.set_fault(now + 5s, false, "chk_apiserver is up");
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_FALSE(has(a, K::AddVips));
    EXPECT_EQ(m.master_down_timer(), now + 5s + m.master_down_interval());
}

TEST(VrrpStateMachine, StartingFaultedStaysSilent) {
    StateMachine m(params(110));
    Actions a = m.start(T0, true);
    EXPECT_EQ(m.state(), State::Fault);
    EXPECT_FALSE(has(a, K::SendAdvert));
    EXPECT_FALSE(m.next_deadline());
}

TEST(VrrpStateMachine, ShutdownOfMasterSendsPriorityZeroAndRemovesVips) {
    TimePoint now = T0;
    StateMachine m = master_at(110, now);
    Actions a = m.shutdown(now + 1s);
    EXPECT_EQ(advert_priority(a), 0);
    EXPECT_TRUE(has(a, K::RemoveVips));
    EXPECT_EQ(a.back(), (Action{K::Notify, 110, 0, State::Stopped}));
    EXPECT_EQ(m.state(), State::Stopped);
    EXPECT_FALSE(m.next_deadline());
}

TEST(VrrpStateMachine, ShutdownOfBackupSendsNothing) {
    StateMachine m(params(100));
    m.start(T0);
    Actions a = m.shutdown(T0 + 1s);
    EXPECT_FALSE(has(a, K::SendAdvert));
    EXPECT_FALSE(has(a, K::RemoveVips));
}

TEST(VrrpStateMachine, GarpRepeatThenDelayedBurstThenRefresh) {
    MachineParams p = params(255);
    p.garp_master_repeat = 3;
    p.garp_master_delay = 5s;
    p.garp_master_refresh = 60s;
    StateMachine m(p);
    Actions a = m.start(T0);
    auto garps = [](const Actions& xs) {
        std::vector<int> c;
        for (auto& x : xs)
            if (x.kind == K::SendGarp) c.push_back(x.count);
        return c;
    };
    EXPECT_EQ(garps(a), std::vector<int>{3});
    EXPECT_EQ(garps(run_until(m, T0 + 4s)), std::vector<int>{});
    EXPECT_EQ(garps(run_until(m, T0 + 5s)), std::vector<int>{3});
    EXPECT_EQ(garps(run_until(m, T0 + 59s)), std::vector<int>{});
    EXPECT_EQ(garps(run_until(m, T0 + 120s)), (std::vector<int>{1, 1}));
}

TEST(VrrpStateMachine, GarpDelayZeroMeansNoSecondBurst) {
    MachineParams p = params(255);
    p.garp_master_delay = 0s;
    StateMachine m(p);
    m.start(T0);
    Actions a = run_until(m, T0 + 30s);
    EXPECT_FALSE(has(a, K::SendGarp));
}

TEST(VrrpStateMachine, EveryStateChangeEmitsNotifyWithReason) {
    StateMachine m(params(100));
    Actions a = m.start(T0);
    EXPECT_EQ(a.back(), (Action{K::Notify, 100, 0, State::Backup}));
    EXPECT_NE(m.last_reason().find("startup"), std::string::npos);
    a = run_until(m, T0 + m.master_down_interval());
    EXPECT_TRUE(std::find(a.begin(), a.end(), Action{K::Notify, 100, 0, State::Master}) != a.end());
    EXPECT_EQ(m.last_reason(), "Master_Down_Timer expired");
}

TEST(VrrpStateMachine, NoMasterBeforeEveryTrackScriptHasReported) {
    StateMachine m(params(110));
    TimePoint now = T0;
    m.set_ready(now, false);
    m.start(now);
    // Alone on the link: the down timer runs out, but the scripts have not said anything yet.
    now += m.master_down_interval();
    EXPECT_FALSE(has(run_until(m, now + 10s), K::AddVips));
    EXPECT_EQ(m.state(), State::Backup);
    // The first results arrive: the decision is made on a fresh interval, then it is master.
    now += 10s;
    m.set_ready(now, true);
    EXPECT_TRUE(has(run_until(m, now + m.master_down_interval()), K::AddVips));
    EXPECT_EQ(m.state(), State::Master);
}

TEST(VrrpStateMachine, RestartedNodeWithAFailingScriptDoesNotPreemptTheHealthyMaster) {
    // Configured 110 with a script of weight -50; the healthy master runs at 80 with preemption around.
    StateMachine m(params(110));
    TimePoint now = T0;
    m.set_ready(now, false);
    m.start(now);
    for (int i = 0; i < 5; ++i) {
        now += 1s;
        m.advert_received(now, kLowIp, 80);  // lower than our unproven 110: preemption would start here
        EXPECT_FALSE(has(run_until(m, now), K::AddVips));
    }
    // The script's first result is a failure: 110 - 50 = 60, below the master.
    m.set_effective_priority(now, 60);
    m.set_ready(now, true);
    for (int i = 0; i < 10; ++i) {
        now += 1s;
        m.advert_received(now, kLowIp, 80);
        EXPECT_FALSE(has(run_until(m, now), K::AddVips));
    }
    EXPECT_EQ(m.state(), State::Backup);
}

TEST(VrrpStateMachine, AddressOwnerNeverStepsDownEvenToAHigherAddressAt255) {
    StateMachine m(params(255));
    TimePoint now = T0;
    m.start(now);
    ASSERT_EQ(m.state(), State::Master);
    now += 100ms;
    auto a = m.advert_received(now, kHighIp, 255);  // equal priority, higher primary address
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_FALSE(has(a, K::RemoveVips));
    EXPECT_EQ(advert_priority(a), 255) << "it answers at once with its own advert";
}

TEST(VrrpStateMachine, NonOwnerAt254StillYieldsToTheHigherAddressAtEqualPriority) {
    TimePoint now = T0;
    StateMachine m = master_at(254, now);
    auto a = m.advert_received(now, kHighIp, 254);
    EXPECT_EQ(m.state(), State::Backup);
    EXPECT_TRUE(has(a, K::RemoveVips));
}

// Reload: settings change in place; the election rules do the rest.
TEST(VrrpStateMachine, ReloadKeepsStateAndTimers) {
    TimePoint now = T0;
    StateMachine m = master_at(110, now);
    auto since = m.state_since();
    auto adver = m.adver_timer();
    auto p = params(110);
    p.preempt_delay = 5s;
    p.garp_master_repeat = 2;
    m.update_settings(now + 100ms, p);
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_EQ(m.state_since(), since);
    EXPECT_EQ(m.adver_timer(), adver);
}

TEST(VrrpStateMachine, ReloadRaisingBackupPriorityPreemptsTheLowerMaster) {
    StateMachine m(params(100));
    TimePoint now = T0;
    m.start(now);
    for (int i = 0; i < 3; ++i) {
        now += 1s;
        m.advert_received(now, kHighIp, 110);
        run_until(m, now);
    }
    ASSERT_EQ(m.state(), State::Backup);
    auto p = params(120);
    m.update_settings(now, p);
    m.set_effective_priority(now, 120);
    EXPECT_EQ(m.priority(), 120);
    Actions all;
    for (int i = 0; i < 5 && m.state() == State::Backup; ++i) {
        now += 1s;
        auto a = m.advert_received(now, kHighIp, 110);  // ignored now: a lower master with preempt on
        all.insert(all.end(), a.begin(), a.end());
        a = run_until(m, now);
        all.insert(all.end(), a.begin(), a.end());
    }
    EXPECT_EQ(m.state(), State::Master) << "preempted within Master_Down_Interval of the last accepted advert";
    EXPECT_EQ(advert_priority(all), 120);
}

TEST(VrrpStateMachine, ReloadNopreemptKeepsTheLowerMaster) {
    StateMachine m(params(100));
    TimePoint now = T0;
    m.start(now);
    now += 1s;
    m.advert_received(now, kHighIp, 110);
    auto p = params(120);
    p.preempt = false;
    m.update_settings(now, p);
    m.set_effective_priority(now, 120);
    for (int i = 0; i < 6; ++i) {
        now += 1s;
        m.advert_received(now, kHighIp, 110);
        run_until(m, now);
    }
    EXPECT_EQ(m.state(), State::Backup);
}

TEST(VrrpStateMachine, ReloadLoweringMasterPriorityYieldsToAPreemptingBackup) {
    TimePoint now = T0;
    StateMachine m = master_at(120, now);
    m.update_settings(now, params(90));
    auto a = m.set_effective_priority(now, 90);
    EXPECT_EQ(advert_priority(a), 90) << "the peers hear the new priority at once";
    EXPECT_EQ(m.state(), State::Master);
    now += 3s;
    m.advert_received(now, kLowIp, 100);  // the backup (priority 100) took over by preemption
    EXPECT_EQ(m.state(), State::Backup);
}
