// The daemon's event loop outlives a handler that throws.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "director/guarded_loop.hpp"

TEST(GuardedLoop, HandlerExceptionIsReportedAndTheLoopRunsTheRest) {
    boost::asio::io_context io;
    std::vector<std::string> errors;
    int ran = 0;
    boost::asio::post(io, [] { throw std::runtime_error("invalid UTF-8 byte"); });
    boost::asio::post(io, [&] { ++ran; });
    boost::asio::post(io, [] { throw 42; });
    boost::asio::post(io, [&] { ++ran; });
    director::run_guarded(io, [&](const std::string& what) { errors.push_back(what); });
    EXPECT_EQ(ran, 2);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0], "invalid UTF-8 byte");
    EXPECT_EQ(errors[1], "unknown exception");
}

TEST(GuardedLoop, ReturnsOnceStopped) {
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    boost::asio::post(io, [&] { io.stop(); });
    director::run_guarded(io, [](const std::string&) { FAIL(); });
    EXPECT_TRUE(io.stopped());
}

TEST(ErrorBurst, CountsErrorsWithinTheWindowAndStartsAfreshAfterAQuietSpell) {
    using namespace std::chrono_literals;
    director::ErrorBurst burst(10s);
    auto t = director::ErrorBurst::Clock::time_point{} + 1h;
    EXPECT_EQ(burst.note(t), 1u);
    EXPECT_EQ(burst.note(t + 4s), 2u);
    EXPECT_EQ(burst.note(t + 9s), 3u);
    EXPECT_EQ(burst.note(t + 11s), 1u);  // the window started at t
    EXPECT_EQ(burst.note(t + 12s), 2u);
}
