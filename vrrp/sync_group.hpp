#pragma once
// vrrp_sync_group: instances that must be MASTER on the same node or not at all (a NAT director's outside VIP
// and the inside gateway VIP its real servers route through). keepalived's rules:
//  - a member in FAULT for its own reasons puts every other member in FAULT (they hand over at once);
//  - a member that becomes MASTER brings every BACKUP member to MASTER with it;
//  - a member that leaves MASTER for BACKUP takes every other master member to BACKUP.
// The group's own state is FAULT if any member is, MASTER if all are, else BACKUP; its notify scripts run
// when that changes. The members are an interface so the rules are unit tested without sockets.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vrrp/state_machine.hpp"

namespace vrrp {

class SyncMember {
public:
    virtual ~SyncMember() = default;
    virtual const std::string& member_name() const = 0;
    virtual State member_state() const = 0;
    // FAULT from the member's own trackers, not from the group.
    virtual bool own_fault() const = 0;
    virtual void sync_fault(std::optional<std::string> reason) = 0;
    virtual void sync_master(const std::string& reason) = 0;
    virtual void sync_backup(const std::string& reason) = 0;
};

class SyncGroup {
public:
    SyncGroup(std::string name, std::vector<SyncMember*> members);
    // A member changed state (every member reports each of its transitions here).
    void member_changed(SyncMember& m, State to);
    // Re-evaluates the FAULT rule (a member's own trackers changed without a transition yet).
    void refresh();
    const std::string& name() const { return name_; }
    State state() const { return state_; }
    const std::vector<SyncMember*>& members() const { return members_; }
    // Runs when state() changes, from INIT to the first state once every member has started too.
    std::function<void(State from, State to)> on_state_change;

private:
    void handle(SyncMember& m, State from, State to);
    void apply_faults();
    void settle(bool announce = true);

    std::string name_;
    std::vector<SyncMember*> members_;
    std::vector<State> last_;  // per member, as last reported
    struct Event {
        SyncMember* member;
        State to;
    };
    std::vector<Event> queue_;
    bool busy_ = false;
    State state_ = State::Init;
};

}  // namespace vrrp
