#include "vrrp/tracking.hpp"

#include <algorithm>

namespace vrrp {

TrackResult compute_priority(int base, const std::vector<TrackedItem>& items) {
    TrackResult r;
    int sum = 0;
    for (const auto& it : items) {
        if (it.weight == 0) {
            if (!it.up && !r.fault) {
                r.fault = true;
                r.fault_reason = it.name + " is down";
            }
        } else if (it.weight > 0 ? it.up : !it.up) {
            sum += it.weight;
        }
    }
    r.effective_priority = base == 255 ? 255 : std::clamp(base + sum, 1, 254);
    return r;
}

bool ScriptHealth::record(bool success) {
    if (success == up_) {
        streak_ = 0;
        return false;
    }
    if (++streak_ >= (success ? rise_ : fall_)) {
        up_ = success;
        streak_ = 0;
        return true;
    }
    return false;
}

}  // namespace vrrp
