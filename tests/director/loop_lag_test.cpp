// The event loop lag probe: its histogram, a real hold of the loop seen by a running probe, and the
// metrics made from it.
#include <gtest/gtest.h>

#include <thread>

#include "director/loop_lag.hpp"
#include "director/metrics/daemon_metrics.hpp"

using director::LoopLag;
using director::LoopLagProbe;
using Micros = std::chrono::microseconds;

TEST(LoopLag, EachLagFallsInTheFirstBucketItFitsAndBucketsAreCumulativeInJson) {
    LoopLag l;
    l.record(Micros(500));      // <= 1 ms
    l.record(Micros(1000));     // the bound itself belongs to its bucket
    l.record(Micros(7000));     // <= 10 ms
    l.record(Micros(3000000));  // beyond the last bound: +Inf
    l.record(Micros(-5));       // never negative
    EXPECT_EQ(l.probes, 5u);
    EXPECT_EQ(l.max, Micros(3000000));
    auto j = l.to_json();
    EXPECT_DOUBLE_EQ(j["max_lag_ms"].get<double>(), 3000.0);
    const auto& b = j["lag_buckets"];
    ASSERT_EQ(b.size(), LoopLag::kBounds.size() + 1);
    EXPECT_DOUBLE_EQ(b[0]["le"].get<double>(), 0.001);
    EXPECT_EQ(b[0]["count"], 3);  // -5, 500, 1000
    EXPECT_EQ(b[2]["count"], 3);  // <= 5 ms
    EXPECT_EQ(b[3]["count"], 4);  // <= 10 ms
    EXPECT_EQ(b[b.size() - 2]["count"], 4);
    EXPECT_EQ(b.back()["le"], "+Inf");
    EXPECT_EQ(b.back()["count"], 5);
}

TEST(LoopLag, ARunningProbeSeesAHandlerThatHoldsTheLoop) {
    boost::asio::io_context io;
    LoopLagProbe probe(io, std::chrono::milliseconds(5));
    probe.start();
    boost::asio::steady_timer hold(io), end(io);
    // A handler that keeps the loop for 60 ms; the probe due in the meantime runs at least 55 ms late.
    hold.expires_after(std::chrono::milliseconds(20));
    hold.async_wait([](boost::system::error_code) { std::this_thread::sleep_for(std::chrono::milliseconds(60)); });
    end.expires_after(std::chrono::milliseconds(150));
    end.async_wait([&](boost::system::error_code) { probe.stop(); });
    io.run();  // returns once the probe is stopped: it holds no more work
    EXPECT_GE(probe.lag().max, Micros(55000));
    EXPECT_GE(probe.lag().probes, 2u);
    auto s = probe.status();
    EXPECT_EQ(s["probe_period_ms"], 5);
    EXPECT_EQ(s["lag_buckets"].back()["count"], s["probes"]);
}

TEST(LoopLag, MetricsCarryTheLagHistogramAndItsMax) {
    LoopLag l;
    l.record(Micros(3000));
    l.record(Micros(250000));
    std::string text = director::metrics::render_daemon_metrics({{"event_loop", l.to_json()}});
    for (const char* line : {"# TYPE director_event_loop_lag_seconds histogram\n",
                             "director_event_loop_lag_seconds_bucket{le=\"0.002\"} 0\n",
                             "director_event_loop_lag_seconds_bucket{le=\"0.005\"} 1\n",
                             "director_event_loop_lag_seconds_bucket{le=\"0.5\"} 2\n",
                             "director_event_loop_lag_seconds_bucket{le=\"+Inf\"} 2\n",
                             "director_event_loop_lag_seconds_count 2\n", "director_event_loop_lag_seconds_sum 0.253\n",
                             "director_event_loop_max_lag_seconds 0.25\n"})
        EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "in:\n" << text;
}
