// LvsComponent and everything it asks of the kernel, all through ipvs::Kernel and so all on the in-memory
// kernel: the table it programs and adopts, the connection-sync daemons, lvs_timeouts and the forwarding
// sysctls NAT needs.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "director/lvs_component.hpp"
#include "director/reload/config_diff.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/shared_config.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"
#include "tests/director/lvs_component_harness.hpp"
#include "tests/director/run_until.hpp"

using namespace director;
using namespace std::chrono_literals;
using ipvs::Op;
using ipvs::SyncState;
using ipvs::testing::Borrowed;
using testsupport::key;
using testsupport::LvsHarness;
using testsupport::run_until;
using testsupport::service;

namespace {

bool first_pass_done(LvsHarness& h) {
    return run_until(h.io, [&] { return h.status()["counters"]["reconciles"] == 1; }, 5s);
}

const std::string kSync = "global_defs {\n  lvs_sync_daemon eth7 id 5\n}\n";

const std::string kNat = R"(
virtual_server 198.18.1.1 80 {
  delay_loop 0.2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.18.0.11 80 { weight 1 }
}
)";

}  // namespace

TEST(LvsComponentKernel, StartProgramsEveryServiceAndRealServerOfTheConfig) {
    LvsHarness h(service("198.18.1.1", {1, 2, 3}) + service("198.18.1.2", {4}, "wlc"));
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    EXPECT_EQ(h.kernel.count(Op::Kind::AddService), 2u);
    EXPECT_EQ(h.kernel.count(Op::Kind::AddDest), 4u);
    EXPECT_EQ(h.kernel.log.size(), 6u) << "nothing edited or deleted on an empty table";
    {
        auto held = h.kernel.lock();
        const auto& one = h.kernel.table.at(key("198.18.1.1"));
        EXPECT_EQ(one.service.scheduler, "rr");
        ASSERT_EQ(one.destinations.size(), 3u);
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(one.destinations[i].dest.weight, i + 1);
            EXPECT_EQ(one.destinations[i].dest.forward, ipvs::Forward::Route);
        }
        EXPECT_EQ(h.kernel.table.at(key("198.18.1.2")).service.scheduler, "wlc");
    }
    EXPECT_EQ(h.status()["owned_services"], 2);
    h.stop();
}

TEST(LvsComponentKernel, ARestartAdoptsTheTableItLeftWithoutDeletingOrReAddingAnything) {
    const std::string conf = service("198.18.1.1", {1, 2}) + service("198.18.1.2", {3});
    LvsHarness h(conf, /*keep=*/true);
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    h.stop();  // --keep-ipvs: the table stays for the next run
    {
        auto held = h.kernel.lock();
        h.kernel.log.clear();
    }
    h.lvs = make_lvs_component(h.io, testsupport::load_config(conf), h.opts,
                               [&h] { return std::make_unique<Borrowed>(h.kernel); }, nullptr);
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    EXPECT_EQ(h.status()["last_reconcile"]["adopted"], 2);
    {
        auto held = h.kernel.lock();
        EXPECT_TRUE(h.kernel.log.empty()) << "an unchanged table is adopted as it is";
    }
    EXPECT_EQ(h.dests("198.18.1.1"), 2u);
    h.stop();
}

TEST(LvsComponentKernel, AServiceDeletedByHandIsRestoredAtTheNextPassAndAForeignOneIsNotTouched) {
    LvsHarness h(service("198.18.1.1", {1, 1}));
    ipvs::Service foreign;
    foreign.key = key("198.18.1.1");
    foreign.key.port = 443;  // the same VIP on another port: not in the config
    foreign.scheduler = "sh";
    h.kernel.add_service(foreign);
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.dests("198.18.1.1") == 2; }, 5s));
    h.kernel.del_service(key("198.18.1.1"));  // someone ran ipvsadm -D
    ASSERT_TRUE(run_until(h.io, [&] { return h.status()["counters"]["drift_repairs"] == 1; }, 5s));
    EXPECT_EQ(h.dests("198.18.1.1"), 2u);
    h.stop();
    ASSERT_NE(h.kernel.find(foreign.key), nullptr);
    EXPECT_EQ(h.kernel.find(foreign.key)->service.scheduler, "sh");
    EXPECT_EQ(h.kernel.find(key("198.18.1.1")), nullptr);
}

TEST(LvsComponentKernel, TheSyncDaemonRunsBothRolesFromStartAndACleanStopStopsThem) {
    LvsHarness h(kSync + service("198.18.1.1", {1}));
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    ASSERT_TRUE(h.kernel.running(SyncState::Master));
    ASSERT_TRUE(h.kernel.running(SyncState::Backup));
    for (const auto& d : h.kernel.sync_daemons()) {
        EXPECT_EQ(d.mcast_ifn, "eth7");
        EXPECT_EQ(d.syncid, 5u);
    }
    EXPECT_EQ(h.status()["counters"]["kernel_errors"], 0);
    h.stop();
    EXPECT_TRUE(h.kernel.sync_daemons().empty());
}

TEST(LvsComponentKernel, ASyncDaemonLeftByAPreviousRunIsKeptAndKeepIpvsLeavesItRunning) {
    LvsHarness h(kSync + service("198.18.1.1", {1}), /*keep=*/true);
    h.kernel.start_sync_daemon({SyncState::Master, "eth7", 5});
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    EXPECT_TRUE(h.kernel.running(SyncState::Master));
    EXPECT_TRUE(h.kernel.running(SyncState::Backup));
    EXPECT_EQ(h.status()["counters"]["kernel_errors"], 0) << "EEXIST on start means it already runs";
    h.stop();
    EXPECT_EQ(h.kernel.sync_daemons().size(), 2u);
}

TEST(LvsComponentKernel, AReloadThatMovesTheSyncDaemonStopsTheOldOneAndStartsTheNew) {
    const std::string before = kSync + service("198.18.1.1", {1});
    const std::string after = "global_defs {\n  lvs_sync_daemon eth8 id 6\n}\n" + service("198.18.1.1", {1});
    LvsHarness h(before);
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    auto next = testsupport::shared_config(after);
    h.lvs->apply(next, reload::diff(testsupport::load_config(before), *next));
    bool settled = false;
    h.lvs->settled([&] { settled = true; });
    ASSERT_TRUE(run_until(h.io, [&] { return settled; }, 5s));
    auto running = h.kernel.sync_daemons();
    ASSERT_EQ(running.size(), 2u);
    for (const auto& d : running) {
        EXPECT_EQ(d.mcast_ifn, "eth8");
        EXPECT_EQ(d.syncid, 6u);
    }
    EXPECT_EQ(h.status()["counters"]["kernel_errors"], 0);
    h.stop();
}

TEST(LvsComponentKernel, NatSetsIpForwardAndIpvsConntrackWhenConntrackIsLoaded) {
    LvsHarness h(kNat);
    h.kernel.conntrack = true;
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    {
        auto held = h.kernel.lock();
        EXPECT_EQ(h.kernel.sysctls["net.ipv4.ip_forward"], "1");
        EXPECT_EQ(h.kernel.sysctls["net.ipv4.vs.conntrack"], "1");
    }
    auto sysctls = h.status()["sysctls"];
    ASSERT_EQ(sysctls.size(), 2u);
    EXPECT_EQ(sysctls[0]["name"], "net.ipv4.ip_forward");
    EXPECT_EQ(sysctls[0]["changed"], true);
    h.stop();
}

TEST(LvsComponentKernel, DirectRoutingTouchesNoSysctlAndNatWithoutConntrackOnlyIpForward) {
    {
        LvsHarness h(service("198.18.1.1", {1}));
        h.lvs->start();
        ASSERT_TRUE(first_pass_done(h));
        auto held = h.kernel.lock();
        EXPECT_TRUE(h.kernel.sysctls.empty());
    }
    {
        LvsHarness h(kNat);
        h.kernel.sysctls["net.ipv4.ip_forward"] = "1";  // already on: reported, not changed
        h.lvs->start();
        ASSERT_TRUE(first_pass_done(h));
        auto sysctls = h.status()["sysctls"];
        ASSERT_EQ(sysctls.size(), 1u);
        EXPECT_EQ(sysctls[0]["changed"], false);
        auto held = h.kernel.lock();
        EXPECT_EQ(h.kernel.sysctls.count("net.ipv4.vs.conntrack"), 0u);
    }
}

TEST(LvsComponentKernel, LvsTimeoutsAreSetAndZeroKeepsTheKernelsValue) {
    LvsHarness h("global_defs {\n  lvs_timeouts tcp 7200 udp 60\n}\n" + service("198.18.1.1", {1}));
    h.lvs->start();
    ASSERT_TRUE(first_pass_done(h));
    auto t = h.kernel.timeouts();
    EXPECT_EQ(t.tcp, 7200u);
    EXPECT_EQ(t.tcp_fin, 120u);
    EXPECT_EQ(t.udp, 60u);
    h.stop();
}
