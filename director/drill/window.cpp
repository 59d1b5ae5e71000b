#include "director/drill/window.hpp"

#include <algorithm>

namespace director::drill {

WindowStats window_stats(std::vector<Sample> samples, Clock::time_point from, Clock::time_point to) {
    // Probes overlap (a fixed cadence, each with its own timeout), so results arrive out of order.
    std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.started < b.started; });
    WindowStats w;
    bool down = false;
    Clock::time_point down_since{};
    auto close_run = [&](Clock::time_point until) {
        if (!down) return;
        w.gap = std::max(w.gap, std::chrono::duration_cast<std::chrono::milliseconds>(until - down_since));
        down = false;
    };
    for (const auto& s : samples) {
        if (s.started < from || s.started >= to) continue;
        ++w.probes;
        if (s.ok) {
            close_run(s.started);
        } else {
            ++w.failed;
            if (!down) down = true, down_since = s.started;
        }
    }
    close_run(to);
    return w;
}

}  // namespace director::drill
