// Start lateness: the histogram/late arithmetic on its own, then the checker base measuring it on a real
// io_context that the test keeps busy for a known span (no timing is asserted from above except where the
// bound is the very thing proved, with a wide margin).
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/post.hpp>

#include "healthcheck/checker.hpp"
#include "tests/healthcheck/checker_harness.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;
using Micros = std::chrono::microseconds;

TEST(StartDelays, LateMeansLaterThanTheTimeoutNotEqual) {
    StartDelays s;
    s.record(Micros(5000000), Micros(5000000));
    s.record(Micros(5000001), Micros(5000000));
    EXPECT_EQ(s.starts, 2u);
    EXPECT_EQ(s.late, 1u);
    EXPECT_EQ(s.max, Micros(5000001));
    EXPECT_EQ(s.sum, Micros(10000001));
}

TEST(StartDelays, EachStartLandsInTheFirstBucketItFits) {
    StartDelays s;
    s.record(Micros(0), 1s);        // le 1 ms
    s.record(Micros(1000), 1s);     // le 1 ms (bounds are inclusive)
    s.record(Micros(1001), 1s);     // le 5 ms
    s.record(Micros(70000), 1s);    // le 100 ms
    s.record(Micros(9000000), 1s);  // +Inf
    std::array<uint64_t, StartDelays::kBounds.size() + 1> want{2, 1, 0, 0, 1, 0, 0, 0, 1};
    EXPECT_EQ(s.buckets, want);
    EXPECT_EQ(s.late, 1u);
}

TEST(StartDelays, MergeAddsCountsAndKeepsTheLargestMax) {
    StartDelays a, b;
    a.record(Micros(3000), 1ms);
    b.record(Micros(200), 1ms);
    b.record(Micros(400), 1ms);
    a.merge(b);
    EXPECT_EQ(a.starts, 3u);
    EXPECT_EQ(a.late, 1u);
    EXPECT_EQ(a.max, Micros(3000));
    EXPECT_EQ(a.sum, Micros(3600));
    EXPECT_EQ(a.buckets[0], 2u);
    EXPECT_EQ(a.buckets[1], 1u);
}

namespace {

// An exchange that answers at once with a fixed verdict, or never (the base's deadline ends it).
class ScriptedChecker : public Checker {
public:
    enum class Mode { pass, fail, hang };
    ScriptedChecker(boost::asio::io_context& io, Policy p, Mode m) : Checker(io, p), mode_(m) {}
    std::string describe() const override { return "SCRIPTED"; }
    int exchanges = 0;

protected:
    void exchange(Done done) override {
        ++exchanges;
        if (mode_ == Mode::hang) return;
        boost::asio::post(io_, [done, ok = mode_ == Mode::pass] { done(ok ? passed("ok") : failed("no")); });
    }

private:
    Mode mode_;
};

Policy policy(std::chrono::milliseconds timeout) {
    auto p = testsupport::fast_policy(static_cast<int>(timeout.count()));
    p.interval = 10ms;
    return p;
}

}  // namespace

TEST(CheckerStartDelay, ALoopBusyLongerThanTheTimeoutMakesTheCheckLate) {
    boost::asio::io_context io;
    auto c = std::make_shared<ScriptedChecker>(io, policy(50ms), ScriptedChecker::Mode::pass);
    c->start([](const Checker::Report&) {});
    // The first check is due now (no warmup); the loop is kept from it for 120 ms, as a long handler
    // would.
    std::this_thread::sleep_for(120ms);
    io.run_one();  // the timer: the check starts, 120 ms or more after it was due
    c->stop();
    io.poll();
    const auto& s = c->start_delays();
    EXPECT_EQ(s.starts, 1u);
    EXPECT_GE(s.max, 120ms);
    EXPECT_EQ(s.late, 1u);
    EXPECT_EQ(s.buckets[5], 1u) << "120 ms belongs in the le 0.5 s bucket";
}

TEST(CheckerStartDelay, ADelayWithinTheTimeoutIsMeasuredButNotLate) {
    boost::asio::io_context io;
    auto c = std::make_shared<ScriptedChecker>(io, policy(5000ms), ScriptedChecker::Mode::pass);
    c->start([](const Checker::Report&) {});
    std::this_thread::sleep_for(30ms);
    io.run_one();
    c->stop();
    io.poll();
    EXPECT_EQ(c->start_delays().starts, 1u);
    EXPECT_GE(c->start_delays().max, 30ms);
    EXPECT_EQ(c->start_delays().late, 0u);
}

TEST(CheckerStartDelay, RetriesAreMeasuredLikeChecks) {
    boost::asio::io_context io;
    auto p = policy(1000ms);
    p.retry = 2;  // a failing up server: two retries, then the counted failure
    auto c = std::make_shared<ScriptedChecker>(io, p, ScriptedChecker::Mode::fail);
    auto reports = testsupport::collect(io, c, 1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(c->exchanges, 3);
    EXPECT_EQ(c->start_delays().starts, 3u);
}

TEST(CheckerStartDelay, ASlowExchangeIsLatencyNotStartDelay) {
    // Every exchange runs into the 300 ms deadline; the next check is due delay_loop after that end, so
    // none of the exchange's time is start delay, and no start is late.
    boost::asio::io_context io;
    auto c = std::make_shared<ScriptedChecker>(io, policy(300ms), ScriptedChecker::Mode::hang);
    auto reports = testsupport::collect(io, c, 3);
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_GE(reports[0].last.latency, 300ms);
    EXPECT_EQ(c->start_delays().starts, 3u);
    EXPECT_EQ(c->start_delays().late, 0u);
    EXPECT_LT(c->start_delays().max, 300ms);
}
