// vrrp_sync_group on simulated time: members are real state machines behind a small driver, so the group's
// rules are checked together with the transitions they cause (priority-0 adverts, VIPs added and removed).
#include <gtest/gtest.h>

#include <memory>

#include "vrrp/sync_group.hpp"
#include "vrrp/tracking.hpp"

using namespace vrrp;
using namespace std::chrono_literals;
using K = Action::Kind;

namespace {

const TimePoint T0 = TimePoint{} + 1000s;

// What vrrp::Instance does for a member, minus sockets: runs the machine's actions, reports transitions.
class Member final : public SyncMember {
public:
    Member(std::string name, int priority) : name_(std::move(name)) {
        MachineParams p;
        p.name = name_;
        p.primary_ip = 0xC6120005;
        p.priority = priority;
        sm_ = std::make_unique<StateMachine>(p);
    }
    SyncGroup* group = nullptr;
    TimePoint now = T0;
    Actions seen;  // every action, in order

    const std::string& member_name() const override { return name_; }
    State member_state() const override { return sm_->state(); }
    bool own_fault() const override { return own_fault_; }
    void sync_fault(std::optional<std::string> reason) override {
        group_fault_ = std::move(reason);
        retrack();
    }
    void sync_master(const std::string& reason) override { run(sm_->sync_master(now, reason)); }
    void sync_backup(const std::string& reason) override { run(sm_->sync_backup(now, reason)); }

    void start() { run(sm_->start(now)); }
    void set_own_fault(bool f) {
        own_fault_ = f;
        retrack();
        if (group) group->refresh();
    }
    void maintenance(bool on) { run(sm_->set_maintenance(now, on, "test")); }
    void advert(uint32_t from, int prio) { run(sm_->advert_received(now, from, prio)); }
    void expire(TimePoint t) {
        now = t;
        run(sm_->timers_expired(t));
    }
    const StateMachine& machine() const { return *sm_; }
    bool holds_vips() const { return vips_; }

private:
    void retrack() {
        bool fault = own_fault_ || group_fault_.has_value();
        run(sm_->set_fault(now, fault, own_fault_ ? "link down" : group_fault_.value_or("ok")));
    }
    void run(const Actions& a) {
        std::optional<State> entered;
        for (const auto& x : a) {
            seen.push_back(x);
            if (x.kind == K::AddVips) vips_ = true;
            if (x.kind == K::RemoveVips) vips_ = false;
            if (x.kind == K::Notify) entered = x.state;
        }
        if (entered && group) group->member_changed(*this, *entered);
    }
    std::string name_;
    std::unique_ptr<StateMachine> sm_;
    bool own_fault_ = false;
    std::optional<std::string> group_fault_;
    bool vips_ = false;
};

struct Pair {
    Member a{"VI_1", 150}, b{"VI_2", 150};
    SyncGroup group{"NAT", {&a, &b}};
    std::vector<std::pair<State, State>> group_changes;
    Pair() {
        a.group = b.group = &group;
        group.on_state_change = [this](State f, State t) { group_changes.push_back({f, t}); };
        a.start();
        b.start();
    }
};

bool sent_priority_zero(const Member& m) {
    for (const auto& x : m.seen)
        if (x.kind == K::SendAdvert && x.priority == 0) return true;
    return false;
}

}  // namespace

TEST(SyncGroup, MembersEnterMasterTogetherWhenOneDownTimerExpires) {
    Pair p;
    ASSERT_EQ(p.a.member_state(), State::Backup);
    // Only VI_1's timer is run: VI_2 must follow without waiting for its own.
    p.a.expire(*p.a.machine().master_down_timer());
    EXPECT_EQ(p.a.member_state(), State::Master);
    EXPECT_EQ(p.b.member_state(), State::Master);
    EXPECT_TRUE(p.b.holds_vips());
    EXPECT_NE(p.b.machine().last_reason().find("vrrp_sync_group NAT: VI_1 became MASTER"), std::string::npos);
    EXPECT_EQ(p.group.state(), State::Master);
    EXPECT_EQ(p.group_changes, (std::vector<std::pair<State, State>>{{State::Init, State::Backup},
                                                                     {State::Backup, State::Master}}));
}

TEST(SyncGroup, OwnFaultOfOneMemberTakesEveryMemberToFaultWithAPriorityZeroAdvert) {
    Pair p;
    p.a.expire(*p.a.machine().master_down_timer());
    ASSERT_EQ(p.b.member_state(), State::Master);
    p.a.set_own_fault(true);
    EXPECT_EQ(p.a.member_state(), State::Fault);
    EXPECT_EQ(p.b.member_state(), State::Fault);
    EXPECT_FALSE(p.b.holds_vips());
    EXPECT_TRUE(sent_priority_zero(p.b)) << "the peer's member takes over after Skew_Time, not the down interval";
    EXPECT_EQ(p.b.machine().last_reason(), "vrrp_sync_group NAT: VI_1 is in FAULT");
    EXPECT_EQ(p.group.state(), State::Fault);

    // Healed: both back to BACKUP, then elected together again.
    p.a.set_own_fault(false);
    EXPECT_EQ(p.a.member_state(), State::Backup);
    EXPECT_EQ(p.b.member_state(), State::Backup);
    EXPECT_EQ(p.group.state(), State::Backup);
}

TEST(SyncGroup, AMemberLeavingMasterForBackupTakesTheOthersToBackup) {
    Pair p;
    p.a.expire(*p.a.machine().master_down_timer());
    // The peer's VI_1 outranks us now.
    p.a.advert(0xC6120009, 200);
    EXPECT_EQ(p.a.member_state(), State::Backup);
    EXPECT_EQ(p.b.member_state(), State::Backup);
    EXPECT_FALSE(p.b.holds_vips());
    EXPECT_TRUE(sent_priority_zero(p.b));
    EXPECT_EQ(p.group.state(), State::Backup);
}

TEST(SyncGroup, AMemberThatMayNotBeMasterStaysBackupAndTheGroupSaysBackup) {
    Pair p;
    // VI_2 in maintenance: it may never be master, so the group is not MASTER either.
    p.b.maintenance(true);
    p.a.expire(*p.a.machine().master_down_timer());
    EXPECT_EQ(p.a.member_state(), State::Master);
    EXPECT_EQ(p.b.member_state(), State::Backup);
    EXPECT_EQ(p.group.state(), State::Backup);
}

TEST(SyncGroup, FaultOfAMemberAlreadyInGroupFaultIsHeldWhenTheFirstHeals) {
    Pair p;
    p.a.set_own_fault(true);
    ASSERT_EQ(p.b.member_state(), State::Fault);
    p.b.set_own_fault(true);  // its own fault too, no transition of its own
    p.a.set_own_fault(false);
    EXPECT_EQ(p.a.member_state(), State::Fault) << "VI_2 is still down for its own reasons";
    EXPECT_EQ(p.a.machine().last_reason(), "vrrp_sync_group NAT: VI_2 is in FAULT");
    p.b.set_own_fault(false);
    EXPECT_EQ(p.a.member_state(), State::Backup);
    EXPECT_EQ(p.b.member_state(), State::Backup);
}

TEST(SyncGroup, StartsInFaultWhenAMemberStartsFaulted) {
    Member a{"VI_1", 150}, b{"VI_2", 150};
    SyncGroup g{"NAT", {&a, &b}};
    a.group = b.group = &g;
    a.set_own_fault(true);  // before start: the link is already down
    a.start();
    b.start();
    EXPECT_EQ(a.member_state(), State::Fault);
    EXPECT_EQ(b.member_state(), State::Fault);
    EXPECT_EQ(g.state(), State::Fault);
}

TEST(SyncGroupStateMachine, SyncBackupLeavesAHandOverInProgressAlone) {
    MachineParams p;
    p.name = "VI_2";
    p.primary_ip = 0xC6120005;
    StateMachine m(p);
    m.start(T0);
    m.timers_expired(*m.master_down_timer());
    ASSERT_EQ(m.state(), State::Master);
    Actions a;
    ASSERT_TRUE(m.begin_handover(T0 + 5s, std::nullopt, false, a));
    EXPECT_TRUE(m.sync_backup(T0 + 5s, "group").empty());
    EXPECT_EQ(m.state(), State::Master);
    EXPECT_TRUE(m.handing_over()) << "its own peer's advert completes it";
}
