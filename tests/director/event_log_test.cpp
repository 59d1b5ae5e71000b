// The event history keeps the last 200 events in order, numbers them for --follow, and tells listeners.
#include <gtest/gtest.h>

#include "director/events/event_log.hpp"

using director::events::Event;
using director::events::EventLog;

TEST(EventLog, KeepsTheLast200InOrderAndAnswersSince) {
    EventLog log;
    std::vector<uint64_t> heard;
    log.subscribe([&](const Event& e) { heard.push_back(e.seq); });
    for (int i = 0; i < 250; ++i) log.record({0, {}, "vrrp", "VI_" + std::to_string(i), "BACKUP", "MASTER", "test"});
    auto all = log.since(0);
    ASSERT_EQ(all.size(), EventLog::kKept);
    EXPECT_EQ(all.front().seq, 51u);
    EXPECT_EQ(all.front().subject, "VI_50");
    EXPECT_EQ(all.back().seq, 250u);
    EXPECT_EQ(log.last_seq(), 250u);
    EXPECT_EQ(heard.size(), 250u);
    auto tail = log.since(247);
    ASSERT_EQ(tail.size(), 3u);
    EXPECT_EQ(tail[0].seq, 248u);
    EXPECT_TRUE(log.since(250).empty());
}

TEST(EventLog, JsonCarriesTimeKindSubjectAndTransition) {
    EventLog log;
    log.record({0, {}, "real_server", "TCP 198.18.0.100:6443 real_server 198.18.0.11:6443", "up", "down", "timeout"});
    auto j = log.since(0).at(0).to_json();
    EXPECT_EQ(j["kind"], "real_server");
    EXPECT_EQ(j["from"], "up");
    EXPECT_EQ(j["to"], "down");
    EXPECT_EQ(j["reason"], "timeout");
    std::string at = j["at"];
    EXPECT_EQ(at.size(), 24u) << at;  // 2026-12-03T16:21:09.123Z
    EXPECT_EQ(at.back(), 'Z');
}
