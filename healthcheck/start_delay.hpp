#pragma once
// How late checks start. A check (or a retry) is due when its timer expires; it starts when the event
// loop gets to the timer's handler. The difference is time the loop spent on other work (other checkers'
// TLS handshakes, a status dump, a reload), and it is the one delay the scheduler adds: delay_loop itself
// runs from the end of one check to the start of the next, so a slow exchange postpones the next check by
// design and is not lateness (its time shows in the check's latency, bounded by connect_timeout).
// A start later than the policy's timeout (connect_timeout) counts as late: by then the check could have
// failed and been retried.
#include <array>
#include <chrono>
#include <cstdint>

namespace healthcheck {

struct StartDelays {
    using Micros = std::chrono::microseconds;
    // Upper bounds of the histogram buckets (Prometheus "le"); the last bucket, +Inf, is implied.
    static constexpr std::array<Micros, 8> kBounds{Micros(1000),   Micros(5000),   Micros(10000),   Micros(50000),
                                                   Micros(100000), Micros(500000), Micros(1000000), Micros(5000000)};

    uint64_t starts = 0;                           // exchanges started by the scheduler
    uint64_t late = 0;                             // of them, started more than the timeout after due
    Micros max{0};                                 // the latest start
    Micros sum{0};
    std::array<uint64_t, kBounds.size() + 1> buckets{};  // not cumulative; the last one is +Inf

    // One start, `delay` after it was due; `late_after` is the policy's timeout.
    void record(Micros delay, Micros late_after);
    // Adds another checker's figures (the daemon-wide view).
    void merge(const StartDelays& other);
};

}  // namespace healthcheck
