// Reload requests that arrive while a reload runs are folded into exactly one more reload after it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "director/reload/reload_queue.hpp"

using director::reload::ReloadQueue;

TEST(ReloadQueue, RequestWhileIdleStartsAReload) {
    ReloadQueue<int> q;
    EXPECT_TRUE(q.request({}));
    EXPECT_TRUE(q.running());
    EXPECT_FALSE(q.finished(1));
    EXPECT_FALSE(q.running());
    EXPECT_TRUE(q.request({})) << "idle again: the next request starts at once";
}

TEST(ReloadQueue, RequestsDuringARunBecomeExactlyOneMoreReload) {
    ReloadQueue<int> q;
    std::vector<std::string> answers;
    auto waiter = [&](std::string who) { return [&answers, who](const int& r) { answers.push_back(who + "=" + std::to_string(r)); }; };
    ASSERT_TRUE(q.request(waiter("a")));
    EXPECT_FALSE(q.request(waiter("b")));
    EXPECT_FALSE(q.request(waiter("c")));
    EXPECT_FALSE(q.request({}));  // SIGHUP: nobody waits
    EXPECT_TRUE(q.pending());
    EXPECT_TRUE(q.finished(1)) << "the folded requests need one more reload";
    EXPECT_EQ(answers, (std::vector<std::string>{"a=1"})) << "b and c asked after reload 1 began";
    EXPECT_FALSE(q.pending());
    EXPECT_FALSE(q.finished(2)) << "and only one";
    EXPECT_EQ(answers, (std::vector<std::string>{"a=1", "b=2", "c=2"}));
    EXPECT_FALSE(q.running());
}

TEST(ReloadQueue, WaiterMayAskAgainFromItsAnswer) {
    ReloadQueue<int> q;
    bool again = false;
    ASSERT_TRUE(q.request([&](const int&) { again = q.request({}); }));
    EXPECT_FALSE(q.finished(1)) << "the waiter's own request started that reload; not two";
    EXPECT_TRUE(again) << "the queue was idle when the answer ran, so that request starts a reload";
    EXPECT_TRUE(q.running());
}
