// max_auto_priority's rule: each timer that fires later than min_auto_priority_delay raises the realtime
// priority by one, never above the maximum.
#include <gtest/gtest.h>

#include "director/realtime.hpp"

using director::AutoPriority;
using namespace std::chrono_literals;

TEST(AutoPriority, LateTimersRaiseByOneUpToTheMaximum) {
    AutoPriority a(2, 1000000us);
    EXPECT_EQ(a.timer_fired(999ms), std::nullopt) << "within the allowed delay";
    EXPECT_EQ(a.timer_fired(1500ms), 1);
    EXPECT_EQ(a.timer_fired(1500ms), 2);
    EXPECT_EQ(a.timer_fired(5s), std::nullopt) << "at the maximum";
    EXPECT_EQ(a.raises(), 2);
}

TEST(AutoPriority, StartsAboveAFixedRealtimePriority) {
    AutoPriority a(20, 1000000us, 10);  // vrrp_rt_priority 10 already set
    EXPECT_EQ(a.timer_fired(2s), 11);
}

TEST(AutoPriority, ZeroMaximumNeverRaises) {
    AutoPriority a(0, 1us);
    EXPECT_EQ(a.timer_fired(10s), std::nullopt);
}
