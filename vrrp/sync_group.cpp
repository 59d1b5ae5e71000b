#include "vrrp/sync_group.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace vrrp {

namespace {
// Bounds the cascade a buggy member could start; a real group settles in one pass per member.
constexpr size_t kMaxEventsPerChange = 64;
}  // namespace

SyncGroup::SyncGroup(std::string name, std::vector<SyncMember*> members)
    : name_(std::move(name)), members_(std::move(members)) {
    for (auto* m : members_) last_.push_back(m->member_state());
    // Rebuilt by a reload around running members: take up their state without announcing it again.
    settle(false);
}

void SyncGroup::member_changed(SyncMember& m, State to) {
    queue_.push_back({&m, to});
    // A forced transition reports back into here; it is handled by the loop below, not recursively.
    if (busy_) return;
    busy_ = true;
    size_t handled = 0;
    while (!queue_.empty() && handled++ < kMaxEventsPerChange) {
        Event e = queue_.front();
        queue_.erase(queue_.begin());
        auto it = std::find(members_.begin(), members_.end(), e.member);
        if (it == members_.end()) continue;
        State& last = last_[static_cast<size_t>(it - members_.begin())];
        State from = last;
        last = e.to;
        handle(*e.member, from, e.to);
    }
    if (!queue_.empty()) {
        spdlog::error("vrrp_sync_group {}: members keep changing state; stopped following after {} changes", name_,
                      kMaxEventsPerChange);
        queue_.clear();
    }
    busy_ = false;
    settle();
}

void SyncGroup::refresh() {
    if (busy_) return;
    busy_ = true;
    apply_faults();
    busy_ = false;
    settle();
}

void SyncGroup::apply_faults() {
    for (auto* m : members_) {
        std::optional<std::string> why;
        for (auto* other : members_)
            if (other != m && other->own_fault()) {
                why = "vrrp_sync_group " + name_ + ": " + other->member_name() + " is in FAULT";
                break;
            }
        m->sync_fault(why);
    }
}

void SyncGroup::handle(SyncMember& m, State from, State to) {
    apply_faults();
    if (to == State::Master) {
        for (auto* other : members_)
            if (other != &m && other->member_state() == State::Backup)
                other->sync_master("vrrp_sync_group " + name_ + ": " + m.member_name() + " became MASTER");
    } else if (to == State::Backup && from == State::Master) {
        for (auto* other : members_)
            if (other != &m && other->member_state() == State::Master)
                other->sync_backup("vrrp_sync_group " + name_ + ": " + m.member_name() + " left MASTER");
    }
}

void SyncGroup::settle(bool announce) {
    bool any_fault = false, all_master = true, all_started = true;
    for (auto* m : members_) {
        State s = m->member_state();
        any_fault |= s == State::Fault;
        all_master &= s == State::Master;
        all_started &= s != State::Init && s != State::Stopped;
    }
    if (!all_started) return;
    State now = any_fault ? State::Fault : all_master ? State::Master : State::Backup;
    if (now == state_) return;
    State was = state_;
    state_ = now;
    if (!announce) return;
    spdlog::info("VRRP_Group({}) {} -> {}", name_, to_string(was), to_string(now));
    if (on_state_change) on_state_change(was, now);
}

}  // namespace vrrp
