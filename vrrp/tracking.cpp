#include "vrrp/tracking.hpp"

#include <algorithm>

namespace vrrp {

TrackResult compute_priority(int base, const std::vector<TrackedItem>& items) {
    TrackResult r;
    int sum = 0;
    for (const auto& it : items) {
        if (it.additive && it.up) {
            sum += it.weight;
        } else if (it.weight == 0 || it.additive) {
            if (!it.up && !r.fault) {
                r.fault = true;
                r.fault_reason = it.down_reason.empty() ? it.name + " is down" : it.down_reason;
            }
        } else if (it.weight > 0 ? it.up : !it.up) {
            sum += it.weight;
        }
    }
    r.effective_priority = base == 255 ? 255 : std::clamp(base + sum, 1, 254);
    return r;
}

bool ScriptHealth::record(bool success) {
    const Status result = success ? Status::Up : Status::Down;
    if (status_ == Status::Unknown) {
        status_ = result;
        return true;
    }
    if (result == status_) {
        streak_ = 0;
        return false;
    }
    if (++streak_ >= (success ? rise_ : fall_)) {
        status_ = result;
        streak_ = 0;
        return true;
    }
    return false;
}

}  // namespace vrrp
