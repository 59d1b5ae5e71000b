#pragma once
// Realtime scheduling for the event loop that sends VRRP adverts (keepalived's vrrp_rt_priority and
// max_auto_priority). With both cores busy a normal-priority daemon can wake late enough for its peer to
// declare it dead; SCHED_RR runs it before every ordinary process. SCHED_RESET_ON_FORK keeps it to this
// thread: scripts and threads started later run at normal priority.
#include <chrono>
#include <optional>
#include <string>

namespace director {

// SCHED_RR at `priority` (1..99) for the calling thread, or back to SCHED_OTHER with 0. "" or why not.
std::string set_loop_priority(int priority);
// The calling thread's policy and priority as `chrt -p` shows them ("SCHED_RR 10"), for status.
std::string loop_priority();

// max_auto_priority: every timer that fires more than `min_delay` late raises the realtime priority by one,
// up to `max`. Pure; the caller applies what it returns.
class AutoPriority {
public:
    AutoPriority(int max, std::chrono::microseconds min_delay, int current = 0)
        : max_(max), min_delay_(min_delay), current_(current) {}
    // The priority to switch to now, or nullopt for no change.
    std::optional<int> timer_fired(std::chrono::microseconds late);
    int current() const { return current_; }
    int raises() const { return raises_; }

private:
    int max_;
    std::chrono::microseconds min_delay_;
    int current_;
    int raises_ = 0;
};

}  // namespace director
