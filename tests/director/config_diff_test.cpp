// The reload diff: every kind of change it must tell apart, and that file positions alone are no change.
#include <gtest/gtest.h>

#include <algorithm>

#include "director/reload/config_diff.hpp"
#include "tests/director/config_text.hpp"

using namespace director;
using reload::Change;
using testsupport::load_config;

namespace {

// One instance, one script and one virtual server with two checked real servers; tests edit the text.
const std::string kBase = R"(
vrrp_script chk {
    script "/bin/true"
    interval 2
    fall 2
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    track_script {
        chk
    }
    virtual_ipaddress {
        198.18.0.100/24
    }
}
virtual_server 198.18.0.100 6443 {
    delay_loop 5
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.18.0.11 6443 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 198.18.0.12 6443 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

reload::ConfigDiff diff_with(const std::string& after) { return reload::diff(load_config(kBase), load_config(after)); }

bool mentions(const reload::ConfigDiff& d, const std::string& what) {
    auto lines = d.describe();
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
}

ipvs::ServiceKey vip_service() { return {ipvs::Protocol::TCP, 0xC6120064, 6443, 0}; }

const reload::RealServerDiff* real_server(const reload::ConfigDiff& d, uint32_t addr) {
    const auto* vs = d.virtual_server(vip_service());
    if (!vs) return nullptr;
    for (const auto& r : vs->real_servers)
        if (r.address == addr) return &r;
    return nullptr;
}

}  // namespace

TEST(ConfigDiff, SameFileIsEmpty) {
    auto d = diff_with(kBase);
    EXPECT_TRUE(d.empty());
    EXPECT_TRUE(d.describe().empty());
    EXPECT_EQ(d.instance("VI_1")->change, Change::Unchanged);
    EXPECT_EQ(d.script("chk")->change, Change::Unchanged);
    EXPECT_EQ(d.virtual_server(vip_service())->change, Change::Unchanged);
}

TEST(ConfigDiff, MovedLinesAndCommentsAreNoChange) {
    auto d = diff_with("# a comment\n\n\n" + kBase);
    EXPECT_TRUE(d.empty()) << d.describe().front();
}

TEST(ConfigDiff, VipAddedAndRemovedAreListedAlone) {
    auto d = diff_with(replace(kBase, "198.18.0.100/24\n", "198.18.0.101/24\n        198.18.0.102/32\n"));
    const auto* in = d.instance("VI_1");
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->change, Change::Updated);
    ASSERT_EQ(in->vips_added.size(), 2u);
    EXPECT_EQ(in->vips_added[0].address, 0xC6120065u);
    ASSERT_EQ(in->vips_removed.size(), 1u);
    EXPECT_EQ(in->vips_removed[0].address, 0xC6120064u);
    EXPECT_TRUE(in->settings.empty()) << in->settings.front();
    EXPECT_TRUE(mentions(d, "vrrp_instance VI_1: VIP 198.18.0.102/32 added"));
}

TEST(ConfigDiff, PriorityPreemptAndNotifyAreInPlaceSettings) {
    auto after = replace(kBase, "priority 100", "priority 150\n    nopreempt\n    notify_master \"/bin/true\"");
    auto d = diff_with(after);
    const auto* in = d.instance("VI_1");
    EXPECT_EQ(in->change, Change::Updated);
    EXPECT_TRUE(in->vips_added.empty());
    EXPECT_TRUE(mentions(d, "priority 100 -> 150"));
    EXPECT_TRUE(mentions(d, "preempt on -> off"));
    EXPECT_TRUE(mentions(d, "notify_master (none) -> /bin/true"));
}

TEST(ConfigDiff, PreemptDelayAndTrackInterfaceAreInPlaceSettings) {
    auto d = diff_with(replace(kBase, "advert_int 1", "advert_int 1\n    preempt_delay 5\n    track_interface {\n        eth1\n    }"));
    EXPECT_EQ(d.instance("VI_1")->change, Change::Updated);
    EXPECT_TRUE(mentions(d, "preempt_delay_ms 0 -> 5000"));
    EXPECT_TRUE(mentions(d, "track_interface (none) -> eth1"));
}

TEST(ConfigDiff, RenamedInstanceIsRemovedPlusNew) {
    auto d = diff_with(replace(kBase, "vrrp_instance VI_1", "vrrp_instance VI_9"));
    ASSERT_NE(d.instance("VI_1"), nullptr);
    EXPECT_EQ(d.instance("VI_1")->change, Change::Removed);
    ASSERT_NE(d.instance("VI_9"), nullptr);
    EXPECT_EQ(d.instance("VI_9")->change, Change::Added);
}

TEST(ConfigDiff, NewInstanceIsAdded) {
    auto d = diff_with(kBase + "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n"
                               " virtual_ipaddress {\n  198.18.0.200\n }\n}\n");
    EXPECT_EQ(d.instance("VI_1")->change, Change::Unchanged);
    EXPECT_EQ(d.instance("VI_2")->change, Change::Added);
}

TEST(ConfigDiff, RouterIdentityChangeReplacesTheInstance) {
    auto d = diff_with(replace(kBase, "virtual_router_id 51", "virtual_router_id 52"));
    EXPECT_EQ(d.instance("VI_1")->change, Change::Replaced);
    EXPECT_TRUE(mentions(d, "virtual_router_id 51 -> 52"));
    auto owner = diff_with(replace(kBase, "priority 100", "priority 255"));
    EXPECT_EQ(owner.instance("VI_1")->change, Change::Replaced) << "becoming the address owner is a new role";
}

TEST(ConfigDiff, GlobalGarpDefaultReachesInstancesThatInheritIt) {
    auto d = diff_with("global_defs {\n vrrp_garp_master_repeat 2\n}\n" + kBase);
    EXPECT_EQ(d.instance("VI_1")->change, Change::Updated);
    EXPECT_TRUE(mentions(d, "garp_master_repeat 5 -> 2"));
}

TEST(ConfigDiff, RedefinedScriptIsUpdatedAndItsInstancesToo) {
    auto d = diff_with(replace(kBase, "fall 2", "fall 3"));
    EXPECT_EQ(d.script("chk")->change, Change::Updated);
    EXPECT_EQ(d.instance("VI_1")->change, Change::Updated);
    EXPECT_TRUE(mentions(d, "vrrp_script chk redefined"));
}

TEST(ConfigDiff, UnchangedScriptStaysUnchangedWhenInstanceChanges) {
    auto d = diff_with(replace(kBase, "priority 100", "priority 90"));
    EXPECT_EQ(d.script("chk")->change, Change::Unchanged);
}

TEST(ConfigDiff, RealServerWeightChangeKeepsItsChecker) {
    auto d = diff_with(replace(kBase, "real_server 198.18.0.11 6443 {\n        weight 1", "real_server 198.18.0.11 6443 {\n        weight 5"));
    const auto* vs = d.virtual_server(vip_service());
    EXPECT_EQ(vs->change, Change::Updated);
    const auto* rs = real_server(d, 0xC612000B);
    ASSERT_NE(rs, nullptr);
    EXPECT_EQ(rs->change, Change::Updated);
    EXPECT_FALSE(rs->checkers_changed);
    EXPECT_EQ(real_server(d, 0xC612000C)->change, Change::Unchanged);
    EXPECT_TRUE(mentions(d, "real_server 198.18.0.11:6443: weight 1 -> 5"));
}

TEST(ConfigDiff, SchedulerPersistenceAndFlagsAreServiceSettings) {
    auto d = diff_with(replace(kBase, "lb_algo rr", "lb_algo sh\n    sh-port\n    persistence_timeout 60"));
    const auto* vs = d.virtual_server(vip_service());
    EXPECT_EQ(vs->change, Change::Updated);
    EXPECT_TRUE(mentions(d, "lb_algo rr -> sh"));
    EXPECT_TRUE(mentions(d, "persistence_timeout 0 -> 60"));
    EXPECT_TRUE(mentions(d, "scheduler flags 0x0 -> 0x10"));
    EXPECT_EQ(real_server(d, 0xC612000B)->change, Change::Unchanged);
}

TEST(ConfigDiff, RealServersAddedAndRemovedByKey) {
    auto d = diff_with(replace(kBase, "real_server 198.18.0.12 6443", "real_server 198.18.0.13 6443"));
    EXPECT_EQ(real_server(d, 0xC612000C)->change, Change::Removed);
    EXPECT_EQ(real_server(d, 0xC612000D)->change, Change::Added);
    EXPECT_EQ(real_server(d, 0xC612000B)->change, Change::Unchanged);
    EXPECT_TRUE(mentions(d, "real_server 198.18.0.12:6443: removed (drained first)"));
}

TEST(ConfigDiff, CheckerChangeAndInheritedDelayLoopRestartChecks) {
    auto own = diff_with(replace(kBase, "connect_timeout 3", "connect_timeout 4"));
    EXPECT_TRUE(real_server(own, 0xC612000B)->checkers_changed);
    EXPECT_FALSE(real_server(own, 0xC612000C)->checkers_changed) << "only the first block was edited";
    auto inherited = diff_with(replace(kBase, "delay_loop 5", "delay_loop 6"));
    EXPECT_TRUE(real_server(inherited, 0xC612000B)->checkers_changed);
    EXPECT_TRUE(real_server(inherited, 0xC612000C)->checkers_changed);
}

TEST(ConfigDiff, VirtualServersAddedAndRemovedByKey) {
    auto d = diff_with(replace(kBase, "virtual_server 198.18.0.100 6443", "virtual_server 198.18.0.100 443"));
    EXPECT_EQ(d.virtual_server(vip_service())->change, Change::Removed);
    ipvs::ServiceKey k443{ipvs::Protocol::TCP, 0xC6120064, 443, 0};
    ASSERT_NE(d.virtual_server(k443), nullptr);
    EXPECT_EQ(d.virtual_server(k443)->change, Change::Added);
}

TEST(ConfigDiff, DrainTimeoutIsAServiceSetting) {
    auto d = diff_with(replace(kBase, "delay_loop 5", "delay_loop 5\n    drain_timeout 10"));
    EXPECT_TRUE(mentions(d, "drain_timeout_ms 60000 -> 10000"));
    EXPECT_FALSE(real_server(d, 0xC612000B)->checkers_changed) << "draining has nothing to do with checks";
}
