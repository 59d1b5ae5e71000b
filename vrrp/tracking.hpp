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
};

struct TrackResult {
    int effective_priority = 0;
    bool fault = false;
    std::string fault_reason;  // names the first down item with weight 0
};

TrackResult compute_priority(int base_priority, const std::vector<TrackedItem>& items);

// A script turns "down" after `fall` consecutive failures and "up" after `rise` consecutive successes.
// It starts up: the seed configs mean "lower the priority after `fall` failures", not at the first one.
class ScriptHealth {
public:
    ScriptHealth(int rise, int fall) : rise_(rise < 1 ? 1 : rise), fall_(fall < 1 ? 1 : fall) {}
    // Returns true when the up/down state changed.
    bool record(bool success);
    bool up() const { return up_; }

private:
    int rise_, fall_;
    bool up_ = true;
    int streak_ = 0;  // consecutive results disagreeing with up_
};

}  // namespace vrrp
