#include "director/realtime.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>

namespace director {

std::string set_loop_priority(int priority) {
    sched_param p{};
    p.sched_priority = priority;
    int policy = priority > 0 ? (SCHED_RR | SCHED_RESET_ON_FORK) : SCHED_OTHER;
    if (::sched_setscheduler(0, policy, &p) != 0)
        return std::string("sched_setscheduler(") + (priority > 0 ? "SCHED_RR " + std::to_string(priority) : "SCHED_OTHER") +
               "): " + std::strerror(errno) + (errno == EPERM ? " (needs CAP_SYS_NICE)" : "");
    return "";
}

std::string loop_priority() {
    int policy = ::sched_getscheduler(0);
    sched_param p{};
    ::sched_getparam(0, &p);
    switch (policy & ~SCHED_RESET_ON_FORK) {
        case SCHED_RR: return "SCHED_RR " + std::to_string(p.sched_priority);
        case SCHED_FIFO: return "SCHED_FIFO " + std::to_string(p.sched_priority);
        case SCHED_OTHER: return "SCHED_OTHER";
        default: return "policy " + std::to_string(policy);
    }
}

std::optional<int> AutoPriority::timer_fired(std::chrono::microseconds late) {
    if (max_ <= 0 || current_ >= max_ || late <= min_delay_) return std::nullopt;
    ++current_;
    ++raises_;
    return current_;
}

}  // namespace director
