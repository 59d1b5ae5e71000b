#pragma once
// What the probes of one drill round say, computed from their samples: pure, so the gap arithmetic is
// unit-tested without a network.
#include <chrono>
#include <cstddef>
#include <vector>

#include "director/drill/probe.hpp"

namespace director::drill {

struct WindowStats {
    std::size_t probes = 0;
    std::size_t failed = 0;
    // The longest time the VIP did not answer: from the start of the first failed probe of a run of
    // failures to the start of the first probe after it that passed (or the window's end if none did).
    std::chrono::milliseconds gap{0};
};

// Over the samples that started in [from, to).
WindowStats window_stats(std::vector<Sample> samples, Clock::time_point from, Clock::time_point to);

}  // namespace director::drill
