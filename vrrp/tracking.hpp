#pragma once
// Effective priority from tracked scripts and interfaces, keepalived's rules:
//  - weight > 0 is added while the item is up, weight < 0 is added while it is down;
//  - weight 0 (the default for interfaces) puts the instance in FAULT while the item is down;
//  - the result is clamped to 1..254; an address owner (255) keeps 255.
// And the rise/fall hysteresis of a vrrp_script.
#include <string>
#include <vector>

namespace vrrp {

struct TrackedItem {
    std::string name;
    int weight = 0;
    bool up = true;
    std::string down_reason;  // the FAULT reason while down, when "NAME is down" would not say it
    bool additive = false;    // track_file: `weight` (value x weight) counts whatever its sign; up = no FAULT
};

struct TrackResult {
    int effective_priority = 0;
    bool fault = false;
    std::string fault_reason;  // names the first down item with weight 0
};

TrackResult compute_priority(int base_priority, const std::vector<TrackedItem>& items);

// A script's state. Its first result decides at once, whatever rise and fall say (keepalived acts on
// the first result too: a node restarted with a failing check must not come back at full priority);
// after that it turns "down" after `fall` consecutive failures and "up" after `rise` consecutive
// successes. `init_fail` starts it down, needing `rise` successes. Before the first result it counts as
// up for the priority (no FAULT flap at every start) but has not `reported()`, and the instance does
// not become master until every script it tracks has.
class ScriptHealth {
public:
    ScriptHealth(int rise, int fall, bool init_fail = false)
        : rise_(rise < 1 ? 1 : rise), fall_(fall < 1 ? 1 : fall), status_(init_fail ? Status::Down : Status::Unknown) {}
    // Returns true when the up/down state changed (the first result always counts as a change).
    bool record(bool success);
    bool up() const { return status_ != Status::Down; }
    bool reported() const { return status_ != Status::Unknown; }

private:
    enum class Status { Unknown, Up, Down };
    int rise_, fall_;
    Status status_;
    int streak_ = 0;  // consecutive results disagreeing with the current state
};

}  // namespace vrrp
