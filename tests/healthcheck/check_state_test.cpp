// Rise/fall/retry decisions, driven without a clock: time only appears as the returned delays.
#include <gtest/gtest.h>

#include "healthcheck/checker.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;

namespace {
Policy policy(unsigned rise, unsigned fall, unsigned retry = 0, bool start_up = true) {
    Policy p;
    p.interval = 5000ms;
    p.delay_before_retry = 700ms;
    p.rise = rise;
    p.fall = fall;
    p.retry = retry;
    p.start_up = start_up;
    return p;
}
// Feeds a sequence like "++-+--" and returns the up/down state after each counted result.
std::string run(CheckState& s, const std::string& seq) {
    std::string out;
    for (char c : seq) {
        auto step = s.on_result(c == '+');
        if (step.counted) out += s.up() ? 'U' : 'D';
        else out += 'r';
    }
    return out;
}
}  // namespace

TEST(CheckState, FallNeedsConsecutiveFailures) {
    CheckState s(policy(1, 3));
    EXPECT_EQ(run(s, "--+---+"), "UUUUUDU");
}

TEST(CheckState, RiseNeedsConsecutiveSuccesses) {
    CheckState s(policy(3, 1));
    EXPECT_EQ(run(s, "-++-+++"), "DDDDDDU");
}

TEST(CheckState, AlphaStartsDownUntilFirstSuccess) {
    CheckState s(policy(1, 1, 0, false));
    EXPECT_FALSE(s.up());
    EXPECT_EQ(run(s, "-+"), "DU");
}

TEST(CheckState, RetriesDelayTheFailureOfAnUpServer) {
    CheckState s(policy(1, 1, 2));
    auto a = s.on_result(false);
    EXPECT_FALSE(a.counted);
    EXPECT_EQ(a.next_in, 700ms);
    auto b = s.on_result(false);
    EXPECT_FALSE(b.counted);
    auto c = s.on_result(false);
    EXPECT_TRUE(c.counted);
    EXPECT_TRUE(c.changed);
    EXPECT_EQ(c.next_in, 5000ms);
    EXPECT_FALSE(s.up());
    // A down server is not retried: each failure counts at once.
    auto d = s.on_result(false);
    EXPECT_TRUE(d.counted);
    EXPECT_FALSE(d.changed);
}

TEST(CheckState, SuccessDuringRetriesResetsThem) {
    CheckState s(policy(1, 1, 1));
    EXPECT_EQ(run(s, "-+-+-+"), "rUrUrU");
    EXPECT_EQ(run(s, "--"), "rD");
}

TEST(CheckState, ChangedIsReportedOnlyOnTransitions) {
    CheckState s(policy(2, 2));
    std::string changes;
    for (char c : std::string("--++--")) changes += s.on_result(c == '+').changed ? '!' : '.';
    EXPECT_EQ(changes, ".!.!.!");
}
