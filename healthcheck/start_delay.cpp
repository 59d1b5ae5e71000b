#include "healthcheck/start_delay.hpp"

#include <algorithm>

namespace healthcheck {

void StartDelays::record(Micros delay, Micros late_after) {
    // A handler never runs before its timer expired; the clamp only keeps the sum honest if it did.
    delay = std::max(delay, Micros(0));
    ++starts;
    if (delay > late_after) ++late;
    max = std::max(max, delay);
    sum += delay;
    size_t i = 0;
    while (i < kBounds.size() && delay > kBounds[i]) ++i;
    ++buckets[i];
}

void StartDelays::merge(const StartDelays& o) {
    starts += o.starts;
    late += o.late;
    max = std::max(max, o.max);
    sum += o.sum;
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += o.buckets[i];
}

}  // namespace healthcheck
