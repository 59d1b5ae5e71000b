// LvsComponent against the in-memory kernel: what it adopts at start, how it repairs drift, what stop
// removes or keeps, that a reload is only "settled" once the kernel holds it, and how it reports a
// kernel it cannot open. Table passes run on the component's worker thread; the test polls the loop.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <atomic>
#include <memory>
#include <optional>

#include "director/ipvs_availability.hpp"
#include "director/lvs_component.hpp"
#include "director/reload/config_diff.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/shared_config.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"
#include "tests/director/lvs_component_harness.hpp"
#include "tests/director/run_until.hpp"
#include "tests/director/temp_dir.hpp"
#include "director/state/state_store.hpp"

using namespace director;
using namespace std::chrono_literals;
using ipvs::testing::Borrowed;
using ipvs::testing::FakeKernel;
using testsupport::run_until;

using Harness = testsupport::LvsHarness;
using testsupport::key;
using testsupport::service;

TEST(LvsComponent, StartAdoptsAMatchingServiceWithItsCountersAndAddsTheRest) {
    Harness h(service("198.18.1.1", {1, 1}) + service("198.18.1.2", {1}));
    {
        // Left by a previous run (kill -9): same rules, live counters.
        ipvs::ServiceState st;
        st.service.key = key("198.18.1.1");
        st.service.scheduler = "rr";
        st.stats.conns = 42;
        for (int i = 1; i <= 2; ++i) {
            ipvs::DestinationState d;
            d.dest.address = ntohl(inet_addr(("198.18.0.1" + std::to_string(i)).c_str()));
            d.dest.port = 80;
            d.dest.forward = ipvs::Forward::Route;
            st.destinations.push_back(d);
        }
        h.kernel.table[st.service.key] = st;
    }
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s));
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::AddService), 1u) << "only the missing service is added";
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::DelService), 0u);
    EXPECT_EQ(h.status()["last_reconcile"]["adopted"], 1);
    EXPECT_EQ(h.status()["owned_services"], 2);
    EXPECT_EQ(h.status()["kernel"], "connected");
    {
        auto held = h.kernel.lock();
        EXPECT_EQ(h.kernel.table[key("198.18.1.1")].stats.conns, 42u);
    }
    h.stop();
}

TEST(LvsComponent, DriftIsRepairedAtTheNextDelayLoopAndForeignServicesAreLeftAlone) {
    Harness h(service("198.18.1.1", {1, 1, 1}));
    {
        auto held = h.kernel.lock();
        ipvs::ServiceState foreign;
        foreign.service.key = key("198.18.9.9");
        h.kernel.table[foreign.service.key] = foreign;
    }
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.dests("198.18.1.1") == 3; }, 5s));
    {
        auto held = h.kernel.lock();
        auto& d = h.kernel.table[key("198.18.1.1")].destinations;
        d.erase(d.begin());               // someone ran ipvsadm -d
        d.back().dest.weight = 9;         // and ipvsadm -e -w 9
    }
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["drift_repairs"] == 1; }, 5s));
    EXPECT_EQ(h.dests("198.18.1.1"), 3u);
    {
        auto held = h.kernel.lock();
        for (const auto& d : h.kernel.table[key("198.18.1.1")].destinations) EXPECT_EQ(d.dest.weight, 1);
    }
    EXPECT_TRUE(h.has("198.18.9.9"));
    h.stop();
    EXPECT_FALSE(h.has("198.18.1.1")) << "a clean stop removes what it owned";
    EXPECT_TRUE(h.has("198.18.9.9")) << "and nothing else";
}

TEST(LvsComponent, KeepIpvsLeavesTheRulesOnStop) {
    Harness h(service("198.18.1.1", {1}), /*keep=*/true);
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.dests("198.18.1.1") == 1; }, 5s));
    h.stop();
    EXPECT_TRUE(h.has("198.18.1.1"));
}

TEST(LvsComponent, AReloadIsSettledOnlyOnceTheKernelHoldsIt) {
    std::string before = service("198.18.1.1", {1, 1});
    std::string after = service("198.18.1.1", {1, 5, 1}, "wlc");
    Harness h(before);
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.dests("198.18.1.1") == 2; }, 5s));
    auto next = testsupport::shared_config(after);
    auto diff = reload::diff(testsupport::load_config(before), *next);
    size_t edits_before = h.kernel.count(ipvs::Op::Kind::EditDest);
    h.lvs->apply(next, diff);
    bool settled = false;
    size_t dests_when_settled = 0;
    h.lvs->settled([&] {
        settled = true;
        dests_when_settled = h.dests("198.18.1.1");
    });
    ASSERT_TRUE(run_until(h.io, [&] { return settled; }, 5s));
    EXPECT_EQ(dests_when_settled, 3u);
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::EditDest), edits_before + 1) << "the weight is edited in place";
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::EditService), 1u) << "so is the scheduler";
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::DelDest), 0u);
    h.stop();
}

TEST(LvsComponent, AMissingKernelIsReportedAndTheTableIsProgrammedOnceItAppears) {
    Harness h(service("198.18.1.1", {1}));
    h.kernel_missing = true;
    h.lvs->start();
    EXPECT_TRUE(h.opts.ipvs->unavailable()) << "known before any VRRP instance starts";
    EXPECT_NE(h.opts.ipvs->reason().find("netlink family"), std::string::npos);
    EXPECT_EQ(h.status()["kernel"], "unavailable");
    h.kernel_missing = false;
    ASSERT_TRUE(run_until(h.io, [&] { return h.dests("198.18.1.1") == 1; }, 5s));
    ASSERT_TRUE(run_until(h.io, [&] { return !h.opts.ipvs->unavailable(); }, 5s));
    EXPECT_EQ(h.status()["kernel"], "connected");
    h.stop();
}

TEST(LvsComponent, LostNetlinkRepliesAreAFullResyncInTheSamePassNotAnOutage) {
    Harness h(service("198.18.1.1", {1, 1, 1, 1, 1}));
    h.kernel.lose_replies_after = 3;  // the service and two real servers go in, then the replies are lost
    std::vector<bool> unavailable;
    h.opts.ipvs->subscribe([&] { unavailable.push_back(h.opts.ipvs->unavailable()); });
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s));
    EXPECT_EQ(h.dests("198.18.1.1"), 5u);
    EXPECT_EQ(h.status()["counters"]["netlink_resyncs"], 1);
    EXPECT_EQ(h.status()["counters"]["kernel_errors"], 0);
    EXPECT_EQ(h.status()["kernel"], "connected");
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::AddService), 1u) << "the resync read what had been done";
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::AddDest), 5u) << "no real server sent twice";
    EXPECT_GE(h.kernel.lists, 2u);
    for (bool u : unavailable) EXPECT_FALSE(u) << "lost replies reported IPVS as unavailable (a VIP would go)";
    h.stop();
}

namespace {
// One virtual server with n real servers, 198.18.2.1 onwards.
std::string many_servers(int n) {
    std::string s = "virtual_server 198.18.1.1 80 {\n  delay_loop 0.2\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n";
    for (int i = 0; i < n; ++i)
        s += "  real_server 198.18." + std::to_string(2 + i / 250) + "." + std::to_string(1 + i % 250) + " 80 {\n  }\n";
    return s + "}\n";
}
}  // namespace

TEST(LvsComponent, OverflowingTheNetlinkSocketHalvesTheRequestsInFlightUntilTheAcksFit) {
    Harness h(many_servers(1000));
    // A buffer with room for 10 acks. As in the kernel, each overflow still carries out the datagram sent
    // (128 real servers, then 64, 32, 16); the window of 8 fits and the rest goes in.
    h.kernel.socket_acks = 10;
    std::vector<bool> unavailable;
    h.opts.ipvs->subscribe([&] { unavailable.push_back(h.opts.ipvs->unavailable()); });
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s));
    EXPECT_EQ(h.dests("198.18.1.1"), 1000u);
    EXPECT_EQ(h.status()["counters"]["netlink_resyncs"], 4);
    EXPECT_EQ(h.status()["counters"]["netlink_window"], 8);
    EXPECT_EQ(h.status()["counters"]["kernel_errors"], 0);
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::AddDest), 1000u) << "each resync read what the lost acks had done";
    {
        auto held = h.kernel.lock();
        EXPECT_EQ(h.kernel.windows.front(), 128u);
        EXPECT_EQ(h.kernel.windows.back(), 8u);
    }
    for (bool u : unavailable) EXPECT_FALSE(u) << "an overflow reported IPVS as unavailable (a VIP would go)";

    // The learnt window stays: the next change goes out in eights at once, with no overflow.
    auto next = testsupport::shared_config(many_servers(1030));
    h.lvs->apply(next, reload::diff(testsupport::load_config(many_servers(1000)), *next));
    ASSERT_TRUE(run_until(h.io, [&] { return h.dests("198.18.1.1") == 1030u; }, 5s));
    EXPECT_EQ(h.status()["counters"]["netlink_resyncs"], 4);
    EXPECT_EQ(h.kernel.count(ipvs::Op::Kind::AddDest), 1030u);
    h.stop();
}

namespace {
int32_t weight_of(Harness& h, const std::string& vip, const std::string& rs) {
    auto held = h.kernel.lock();
    for (const auto& d : h.kernel.table[key(vip)].destinations)
        if (d.dest.address == ntohl(inet_addr(rs.c_str()))) return d.dest.weight;
    return -1;
}
nlohmann::json ask(Harness& h, const nlohmann::json& args) {
    std::optional<nlohmann::json> reply;
    dynamic_cast<LvsComponent&>(*h.lvs).backend_request(args, [&](const nlohmann::json& j) { reply = j; });
    EXPECT_TRUE(run_until(h.io, [&] { return reply.has_value(); }, 5s));
    return reply.value_or(nlohmann::json::object());
}
}  // namespace

TEST(LvsComponent, HandDrainIsWeightZeroUntilEnabledAndOutlivesTheComponent) {
    director::testing::TempDir tmp;
    const std::string conf = service("198.18.1.1", {3, 1}) + service("198.18.1.2", {2});
    {
        Harness h(conf);
        h.opts.state = std::make_shared<state::StateStore>(tmp.path());
        h.lvs = make_lvs_component(h.io, testsupport::load_config(conf), h.opts,
                                   [&h] { return std::make_unique<Borrowed>(h.kernel); }, nullptr);
        h.lvs->start();
        ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s));
        auto r = ask(h, {{"action", "drain"}, {"backend", "198.18.0.11:80"}, {"service", "198.18.1.1:80"}});
        EXPECT_EQ(r["ok"], true) << r.dump();
        // Answered once the kernel holds it.
        EXPECT_EQ(weight_of(h, "198.18.1.1", "198.18.0.11"), 0);
        EXPECT_EQ(weight_of(h, "198.18.1.1", "198.18.0.12"), 1);
        EXPECT_EQ(weight_of(h, "198.18.1.2", "198.18.0.11"), 2) << "--service limits the drain to one service";
        EXPECT_EQ(ask(h, {{"action", "drain"}, {"backend", "198.18.0.11:80"}, {"service", "198.18.1.1:80"}})["message"],
                  "already drained by hand");
        // A bad address or one that is no real server: refused, nothing recorded.
        EXPECT_NE(ask(h, {{"action", "drain"}, {"backend", "198.18.0.11"}})["error"].get<std::string>().find(
                      "is not ADDR:PORT"),
                  std::string::npos);
        EXPECT_NE(ask(h, {{"action", "drain"}, {"backend", "198.18.0.99:80"}})["error"].get<std::string>().find(
                      "no real_server 198.18.0.99:80"),
                  std::string::npos);
        EXPECT_EQ(h.opts.state->get().drained.size(), 1u);
        // A reload that re-weights the server keeps it drained.
        const std::string reweighted = service("198.18.1.1", {7, 1}) + service("198.18.1.2", {2});
        auto next = testsupport::shared_config(reweighted);
        h.lvs->apply(next, reload::diff(testsupport::load_config(conf), *next));
        bool settled = false;
        h.lvs->settled([&] { settled = true; });
        ASSERT_TRUE(run_until(h.io, [&] { return settled; }, 5s));
        EXPECT_EQ(weight_of(h, "198.18.1.1", "198.18.0.11"), 0) << "a reload undid the hand drain";
        h.stop();
    }
    {
        // The next run (a restart) reads the drain back and programs weight 0 from the start.
        Harness h(conf);
        h.opts.state = std::make_shared<state::StateStore>(tmp.path());
        h.opts.state->set_drained("198.18.0.77:80", true);  // a server this config no longer has
        h.lvs = make_lvs_component(h.io, testsupport::load_config(conf), h.opts,
                                   [&h] { return std::make_unique<Borrowed>(h.kernel); }, nullptr);
        h.lvs->start();
        ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s));
        EXPECT_EQ(weight_of(h, "198.18.1.1", "198.18.0.11"), 0);
        EXPECT_EQ(h.status()["hand_drained"].size(), 2u);
        auto r = ask(h, {{"action", "enable"}, {"backend", "198.18.0.11:80"}, {"service", "198.18.1.1:80"}});
        EXPECT_EQ(r["ok"], true) << r.dump();
        EXPECT_EQ(weight_of(h, "198.18.1.1", "198.18.0.11"), 3) << "enable gives the configured weight back";
        EXPECT_EQ(h.opts.state->get().drained.count("198.18.0.11:80 in 198.18.1.1:80"), 0u);
        // A drain left for a server the config has since dropped can still be lifted; others are refused.
        EXPECT_EQ(ask(h, {{"action", "drain"}, {"backend", "198.18.0.77:80"}})["ok"], false);
        EXPECT_EQ(ask(h, {{"action", "enable"}, {"backend", "198.18.0.99:80"}})["ok"], false);
        EXPECT_EQ(ask(h, {{"action", "enable"}, {"backend", "198.18.0.77:80"}})["ok"], true);
        EXPECT_TRUE(h.opts.state->get().drained.empty());
        h.stop();
    }
}
