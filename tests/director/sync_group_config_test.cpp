// vrrp_sync_group, track_file and the GARP pacing / realtime keywords: what they parse to, and every bad
// member as an error naming file:line.
#include <gtest/gtest.h>

#include "director/config/model.hpp"

using namespace director::config;

namespace {
const char* kTwoInstances = R"(vrrp_instance VI_1 {
 interface lo
 virtual_router_id 1
 virtual_ipaddress { 198.18.0.100 }
}
vrrp_instance VI_2 {
 interface lo
 virtual_router_id 2
 virtual_ipaddress { 198.18.1.100 }
}
)";
std::vector<std::string> errors(const Diagnostics& d) {
    std::vector<std::string> out;
    for (const auto& e : d.errors()) out.push_back(e.str());
    return out;
}
std::vector<std::string> warnings(const Diagnostics& d) {
    std::vector<std::string> out;
    for (const auto& e : d.warnings()) out.push_back(e.str());
    return out;
}
}  // namespace

TEST(SyncGroupConfig, GroupMembersTrackersAndNotifyAreRead) {
    Diagnostics d;
    auto c = load_text(std::string(kTwoInstances) + R"(vrrp_script chk { script "/bin/true" }
track_file drain { file /run/drain }
vrrp_sync_group NAT {
 group {
  VI_1
  VI_2
 }
 track_script { chk weight -20 }
 track_interface { lo }
 track_file { drain weight 0 }
 notify_master "/usr/local/bin/nat master"
 notify "/usr/local/bin/nat-any"
 smtp_alert off
}
)",
                       "g.conf", d);
    ASSERT_TRUE(d.ok()) << errors(d).front();
    ASSERT_EQ(c.sync_groups.size(), 1u);
    const auto& g = c.sync_groups[0];
    EXPECT_EQ(g.name, "NAT");
    ASSERT_EQ(g.members.size(), 2u);
    EXPECT_EQ(g.members[1].name, "VI_2");
    EXPECT_EQ(g.members[1].where.str(), "g.conf:16");
    ASSERT_EQ(g.track_scripts.size(), 1u);
    EXPECT_EQ(g.track_scripts[0].weight, -20);
    ASSERT_EQ(g.track_files.size(), 1u);
    EXPECT_EQ(g.track_files[0].weight, 0);
    EXPECT_EQ(g.notify_master, (std::vector<std::string>{"/usr/local/bin/nat", "master"}));
    EXPECT_EQ(g.smtp_alert, false);
    EXPECT_FALSE(g.tracking_weight);
}

TEST(SyncGroupConfig, UnknownInstanceIsAnErrorAtItsLine) {
    Diagnostics d;
    load_text(std::string(kTwoInstances) + "vrrp_sync_group G {\n group {\n  VI_1\n  VI_9\n }\n}\n", "g.conf", d);
    EXPECT_EQ(errors(d), std::vector<std::string>{"g.conf:14: vrrp_sync_group G: no vrrp_instance named 'VI_9'"});
}

TEST(SyncGroupConfig, InstanceInTwoGroupsIsAnError) {
    Diagnostics d;
    load_text(std::string(kTwoInstances) + "vrrp_sync_group A {\n group { VI_1 VI_2 }\n}\n"
                                           "vrrp_sync_group B {\n group { VI_2 }\n}\n",
              "g.conf", d);
    ASSERT_EQ(errors(d).size(), 1u);
    EXPECT_EQ(errors(d)[0], "g.conf:15: vrrp_instance VI_2 is in vrrp_sync_group B and already in A at g.conf:11 "
                            "(an instance can be in one group only)");
}

TEST(SyncGroupConfig, EmptyGroupAndDuplicateNameAreErrors) {
    Diagnostics d;
    load_text(std::string(kTwoInstances) + "vrrp_sync_group G {\n}\nvrrp_sync_group G {\n group { VI_1 VI_2 }\n}\n",
              "g.conf", d);
    EXPECT_EQ(errors(d), (std::vector<std::string>{"g.conf:11: vrrp_sync_group G: 'group { ... }' is empty",
                                                   "g.conf:13: vrrp_sync_group G is already defined at g.conf:11"}));
}

TEST(SyncGroupConfig, MemberWeightsAreIgnoredWithAWarningUnlessTrackingWeight) {
    std::string base = R"(vrrp_script chk { script "/bin/true" }
vrrp_instance VI_1 {
 interface lo
 virtual_router_id 1
 virtual_ipaddress { 198.18.0.100 }
 track_script { chk weight -30 }
 track_interface { lo weight -10 }
}
vrrp_instance VI_2 {
 interface lo
 virtual_router_id 2
 virtual_ipaddress { 198.18.1.100 }
}
vrrp_sync_group G {
 group { VI_1 VI_2 }
)";
    Diagnostics d;
    load_text(base + "}\n", "g.conf", d);
    ASSERT_TRUE(d.ok());
    auto w = warnings(d);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_NE(w[0].find("g.conf:6: track_script chk is ignored"), std::string::npos) << w[0];
    EXPECT_NE(w[1].find("g.conf:7: track_interface lo: weight ignored"), std::string::npos) << w[1];
    Diagnostics kept;
    auto c = load_text(base + " sync_group_tracking_weight\n}\n", "g.conf", kept);
    EXPECT_TRUE(kept.warnings().empty());
    EXPECT_TRUE(c.sync_groups[0].tracking_weight);
}

TEST(SyncGroupConfig, OneMemberGroupWarns) {
    Diagnostics d;
    load_text(std::string(kTwoInstances) + "vrrp_sync_group G {\n group { VI_1 }\n}\n", "g.conf", d);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(warnings(d), std::vector<std::string>{"g.conf:11: vrrp_sync_group G has one member; it synchronises nothing"});
}

TEST(TrackFileConfig, BlockIsReadAndRelativePathsFollowTheConfigFile) {
    Diagnostics d;
    auto c = load_text(std::string(kTwoInstances) +
                           "track_file drain {\n file state/drain\n weight -50 reverse\n init_file 3 overwrite\n}\n"
                           "vrrp_track_file other {\n file /run/other\n init_file\n}\n",
                       "/etc/director/g.conf", d);
    ASSERT_TRUE(d.ok()) << errors(d).front();
    ASSERT_EQ(c.track_files.size(), 2u);
    EXPECT_EQ(c.track_files[0].path, "/etc/director/state/drain");
    EXPECT_EQ(c.track_files[0].weight, -50);
    EXPECT_TRUE(c.track_files[0].reverse);
    EXPECT_EQ(c.track_files[0].init_value, 3);
    EXPECT_TRUE(c.track_files[0].init_overwrite);
    EXPECT_EQ(c.track_files[1].weight, 1) << "keepalived's default weight";
    EXPECT_EQ(c.track_files[1].init_value, 0);
    EXPECT_FALSE(c.track_files[1].init_overwrite);
}

TEST(TrackFileConfig, MissingFileBadWeightAndUnknownReferenceAreErrors) {
    Diagnostics d;
    load_text("track_file a {\n weight 3\n}\ntrack_file b {\n file /x\n weight 255\n}\n"
              "vrrp_instance VI_1 {\n interface lo\n virtual_router_id 1\n virtual_ipaddress { 198.18.0.100 }\n"
              " track_file {\n  nosuch\n  b weight 2 sideways\n }\n}\n",
              "t.conf", d);
    EXPECT_EQ(errors(d), (std::vector<std::string>{
                             "t.conf:1: track_file a: missing 'file'",
                             "t.conf:6: weight: 255 is out of range -254..254",
                             "t.conf:14: track_file b: expected weight W [reverse|noreverse], got 'sideways'",
                         }));
    Diagnostics d2;
    load_text("track_file b {\n file /x\n}\nvrrp_instance VI_1 {\n interface lo\n virtual_router_id 1\n"
              " virtual_ipaddress { 198.18.0.100 }\n track_file {\n  nosuch\n }\n}\n",
              "t.conf", d2);
    EXPECT_EQ(errors(d2), std::vector<std::string>{"t.conf:9: track_file: no track_file named 'nosuch'"});
}

TEST(TrackFileConfig, InstanceReferencesKeepTheirWeightOverride) {
    Diagnostics d;
    auto c = load_text("track_file f {\n file /x\n weight 5\n}\nvrrp_instance VI_1 {\n interface lo\n"
                       " virtual_router_id 1\n virtual_ipaddress { 198.18.0.100 }\n track_file {\n  f\n  f weight -7 noreverse\n }\n}\n",
                       "t.conf", d);
    ASSERT_TRUE(d.ok()) << errors(d).front();
    const auto& refs = c.vrrp_instances[0].track_files;
    ASSERT_EQ(refs.size(), 2u);
    EXPECT_FALSE(refs[0].weight.has_value());
    EXPECT_EQ(refs[1].weight, -7);
    EXPECT_EQ(refs[1].reverse, false);
}

TEST(GarpAndRealtimeConfig, IntervalsHaveMicrosecondResolutionAndPriorityRanges) {
    Diagnostics d;
    auto c = load_text("global_defs {\n vrrp_garp_interval 0.25\n vrrp_gna_interval 0.000001\n vrrp_rt_priority 10\n"
                       " max_auto_priority\n min_auto_priority_delay 500000\n}\n"
                       "vrrp_instance VI_1 {\n interface lo\n virtual_router_id 1\n virtual_ipaddress { 198.18.0.100 }\n"
                       " garp_interval 0.001\n}\n",
                       "t.conf", d);
    ASSERT_TRUE(d.ok()) << errors(d).front();
    EXPECT_TRUE(d.warnings().empty()) << "none of these is ignored any more";
    EXPECT_EQ(c.global.vrrp_garp_interval_us, 250000);
    EXPECT_EQ(c.global.vrrp_gna_interval_us, 1);
    EXPECT_EQ(c.global.vrrp_rt_priority, 10);
    EXPECT_EQ(c.global.max_auto_priority, 99);
    EXPECT_EQ(c.global.min_auto_priority_delay_us, 500000);
    EXPECT_EQ(c.vrrp_instances[0].garp_interval_us, 1000);
    EXPECT_EQ(c.vrrp_instances[0].gna_interval_us, -1) << "inherits the global one";

    Diagnostics bad;
    load_text("global_defs {\n vrrp_rt_priority 100\n vrrp_garp_interval -1\n max_auto_priority 120\n}\n", "t.conf", bad);
    EXPECT_EQ(errors(bad), (std::vector<std::string>{
                               "t.conf:2: vrrp_rt_priority: 100 is out of range 1..99",
                               "t.conf:3: vrrp_garp_interval: -1s is out of range 0.000000..10.000000s",
                               "t.conf:4: max_auto_priority: 120 is out of range -1..99",
                           }));
}
