#include <gtest/gtest.h>

#include "vrrp/tracking.hpp"

using namespace vrrp;

TEST(VrrpTracking, NegativeWeightAppliesWhileScriptIsDown) {
    EXPECT_EQ(compute_priority(110, {{"chk", -20, true}}).effective_priority, 110);
    EXPECT_EQ(compute_priority(110, {{"chk", -20, false}}).effective_priority, 90);
}

TEST(VrrpTracking, PositiveWeightAppliesWhileScriptIsUp) {
    EXPECT_EQ(compute_priority(100, {{"chk", 15, true}}).effective_priority, 115);
    EXPECT_EQ(compute_priority(100, {{"chk", 15, false}}).effective_priority, 100);
}

TEST(VrrpTracking, WeightsAddUpAndClampTo1And254) {
    EXPECT_EQ(compute_priority(200, {{"a", 50, true}, {"b", 50, true}}).effective_priority, 254);
    EXPECT_EQ(compute_priority(10, {{"a", -253, false}}).effective_priority, 1);
    EXPECT_EQ(compute_priority(100, {{"a", 30, true}, {"b", -50, false}}).effective_priority, 80);
}

TEST(VrrpTracking, AddressOwnerKeeps255) {
    EXPECT_EQ(compute_priority(255, {{"a", -50, false}}).effective_priority, 255);
}

TEST(VrrpTracking, WeightZeroDownMeansFault) {
    TrackResult r = compute_priority(100, {{"eth1", 0, true}, {"chk", 0, false}});
    EXPECT_TRUE(r.fault);
    EXPECT_EQ(r.fault_reason, "chk is down");
    EXPECT_FALSE(compute_priority(100, {{"eth1", 0, true}}).fault);
}

TEST(VrrpTracking, FirstResultDecidesAtOnceWhateverRiseAndFall) {
    ScriptHealth failing(2, 10);
    EXPECT_FALSE(failing.reported());
    EXPECT_TRUE(failing.up());  // counted as up for the priority until it has run
    EXPECT_TRUE(failing.record(false));
    EXPECT_TRUE(failing.reported());
    EXPECT_FALSE(failing.up());

    ScriptHealth passing(5, 10);
    EXPECT_TRUE(passing.record(true));
    EXPECT_TRUE(passing.up());
}

TEST(VrrpTracking, AfterTheFirstResultFallAndRiseApply) {
    ScriptHealth h(2, 3);
    h.record(true);
    EXPECT_FALSE(h.record(false));
    EXPECT_FALSE(h.record(false));
    EXPECT_TRUE(h.record(false));
    EXPECT_FALSE(h.up());
    EXPECT_FALSE(h.record(true));
    EXPECT_TRUE(h.record(true));
    EXPECT_TRUE(h.up());
}

TEST(VrrpTracking, InitFailStartsDownAndNeedsRiseSuccesses) {
    ScriptHealth h(3, 2, /*init_fail=*/true);
    EXPECT_TRUE(h.reported());
    EXPECT_FALSE(h.up());
    EXPECT_FALSE(h.record(true));
    EXPECT_FALSE(h.record(true));
    EXPECT_TRUE(h.record(true));
    EXPECT_TRUE(h.up());
}

TEST(VrrpTracking, SuccessInBetweenResetsTheFailureStreak) {
    ScriptHealth h(1, 3);
    h.record(true);
    h.record(false);
    h.record(false);
    h.record(true);
    h.record(false);
    h.record(false);
    EXPECT_TRUE(h.up());
    h.record(false);
    EXPECT_FALSE(h.up());
}
