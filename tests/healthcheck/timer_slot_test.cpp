// Checks start on slot boundaries, so that checks due close together share one wakeup of the loop.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "healthcheck/checker.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(CheckerTimerSlot, ADueTimeIsRoundedUpToTheNextBoundary) {
    Clock::time_point boundary{std::chrono::seconds(1000)};
    EXPECT_EQ(Checker::on_slot(boundary, 100ms), boundary);
    EXPECT_EQ(Checker::on_slot(boundary + 1ns, 100ms), boundary + 100ms);
    EXPECT_EQ(Checker::on_slot(boundary + 99ms, 100ms), boundary + 100ms);
    EXPECT_EQ(Checker::on_slot(boundary + 37ms, 0ms), boundary + 37ms) << "no slot: unchanged";
}

namespace {

class StampingChecker : public Checker {
public:
    StampingChecker(boost::asio::io_context& io, Policy p) : Checker(io, p) {}
    std::string describe() const override { return "STAMP"; }
    std::optional<Clock::time_point> first;

protected:
    void exchange(Done done) override {
        if (!first) first = Clock::now();
        boost::asio::post(io_, [done] { done(passed("ok")); });
    }
};

Policy every(std::chrono::milliseconds interval) {
    Policy p;
    p.interval = interval;
    p.timeout = 1000ms;
    return p;
}

}  // namespace

TEST(CheckerTimerSlot, TheSlotIsASixtyFourthOfDelayLoopAtMostHalfASecond) {
    boost::asio::io_context io;
    EXPECT_EQ(StampingChecker(io, every(3200ms)).timer_slot(), 50ms);
    EXPECT_EQ(StampingChecker(io, every(60000ms)).timer_slot(), 500ms);
    EXPECT_EQ(StampingChecker(io, every(10ms)).timer_slot(), 0ms);
}

TEST(CheckerTimerSlot, ChecksDueWithinOneSlotStartTogetherAtItsEnd) {
    boost::asio::io_context io;
    auto a = std::make_shared<StampingChecker>(io, every(60000ms));  // 500 ms slots
    auto b = std::make_shared<StampingChecker>(io, every(60000ms));
    // Start right after a boundary, the second checker 40 ms after the first: both are due in one slot.
    auto boundary = Checker::on_slot(Clock::now(), 500ms);
    std::this_thread::sleep_until(boundary + 5ms);
    a->start([](const Checker::Report&) {});
    std::this_thread::sleep_for(40ms);
    b->start([](const Checker::Report&) {});
    auto end = Clock::now() + 5s;
    while ((!a->first || !b->first) && Clock::now() < end) io.run_one_for(50ms);
    a->stop();
    b->stop();
    io.poll();
    ASSERT_TRUE(a->first && b->first);
    EXPECT_GE(*a->first, boundary + 500ms) << "the first check waited for the slot's end";
    EXPECT_GE(*b->first, boundary + 500ms);
    auto apart = *b->first > *a->first ? *b->first - *a->first : *a->first - *b->first;
    EXPECT_LT(apart, 20ms) << "both started in the same wakeup, not 40 ms apart";
}
