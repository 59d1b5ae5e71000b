#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // designated initializers leave the rest default on purpose
// Status snapshots (Component::status_snapshot): what the event loop copies is enough to build, on another
// thread and after the live objects have moved on or are gone, the same document status() gave at that
// moment. This is what lets the daemon build `director status` and /metrics off the loop.
#include <gtest/gtest.h>

#include <thread>

#include "director/lvs/membership.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/lvs_component_harness.hpp"
#include "tests/director/run_until.hpp"
#include "tests/director/checked_server.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace director;
using namespace std::chrono_literals;
using testsupport::run_until;
using testsupport::TestHttpServer;

namespace {

template <class Build>
auto build_on_another_thread(Build& build) {
    decltype(build()) out;
    std::thread([&] { out = build(); }).join();
    return out;
}

}  // namespace

TEST(StatusSnapshot, MembershipSnapshotBuildsTheSameDocumentOnAnotherThreadAfterTheMembershipIsGone) {
    TestHttpServer up({}), down({});
    down.set_status(503);
    auto cfg = testsupport::load_config("virtual_server 198.18.0.100 443 {\n  delay_loop 1\n  lb_kind NAT\n"
                                        "  protocol TCP\n" + testsupport::checked_real_server(up, 3) + testsupport::checked_real_server(down, 2) + "}\n",
                                        "snapshot.conf");
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    ASSERT_TRUE(m);
    m->start();
    auto checks = [&] { return m->health_checks()["checks"].get<uint64_t>(); };
    ASSERT_TRUE(run_until(io, [&] { return checks() >= 4 && !m->decide(0, 1, 2).present; }, 5s));

    // Taken together, with no handler running in between: the same moment.
    const auto membership = m->status(), health = m->health_checks();
    auto snapshot = m->status_snapshot();

    // The checks go on, then the membership (and every checker) is destroyed before the build.
    uint64_t at_snapshot = checks();
    ASSERT_TRUE(run_until(io, [&] { return checks() >= at_snapshot + 4; }, 5s));
    const auto later = m->status();
    m->stop();
    m.reset();

    auto built = build_on_another_thread(snapshot);
    EXPECT_EQ(built.membership, membership);
    EXPECT_EQ(built.health_checks, health);
    EXPECT_NE(built.membership, later) << "the snapshot is of its moment, not a view of the live checkers";
    // The document has what status() has per real server and per checker.
    const auto& rs = built.membership[0]["real_servers"];
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0]["state"], "up");
    EXPECT_EQ(rs[0]["weight"], 3);
    EXPECT_EQ(rs[1]["state"], "removed");
    EXPECT_EQ(rs[1]["checkers"][0]["check"], "HTTP_GET 127.0.0.1:" + std::to_string(down.port()));
    EXPECT_EQ(rs[1]["checkers"][0]["last"]["reason"], "HTTP 503 not an accepted status_code");
    EXPECT_EQ(built.health_checks["checkers"], 2);
}

TEST(StatusSnapshot, LvsSnapshotBuildsTheSameDocumentOnAnotherThreadAfterTheComponentIsGone) {
    testsupport::LvsHarness h(testsupport::service("198.18.1.1", {1, 2, 3}) + testsupport::service("198.18.1.2", {1}));
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s));

    const auto expected = h.status();
    auto snapshot = h.lvs->status_snapshot();

    // Someone deletes a service; the next pass repairs it and the live status moves on.
    {
        auto held = h.kernel.lock();
        h.kernel.table.erase(testsupport::key("198.18.1.2"));
    }
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["drift_repairs"] == 1; }, 5s));
    h.stop();
    h.lvs.reset();

    auto built = build_on_another_thread(snapshot);
    EXPECT_EQ(built, expected);
    EXPECT_EQ(built["counters"]["drift_repairs"], 0);
    ASSERT_EQ(built["services"].size(), 2u);
    EXPECT_EQ(built["destinations"], 4);
    EXPECT_EQ(built["kernel"], "connected");
}
