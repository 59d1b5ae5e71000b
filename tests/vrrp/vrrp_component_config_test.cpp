#include <gtest/gtest.h>

#include "director/config/model.hpp"
#include "director/vrrp_component.hpp"

using namespace director;

namespace {
config::Config load(const std::string& text) {
    config::Diagnostics d;
    auto c = config::load_text(text, "t.conf", d);
    EXPECT_TRUE(d.ok());
    return c;
}
}  // namespace

TEST(VrrpComponentConfig, GarpSettingsInheritGlobalDefsUnlessSetPerInstance) {
    auto c = load("global_defs {\n vrrp_garp_master_delay 7\n vrrp_garp_master_refresh 30\n}\n"
                  "vrrp_instance V {\n interface eth0\n virtual_router_id 3\n garp_master_repeat 2\n"
                  " virtual_ipaddress {\n  10.0.0.1/24\n  10.0.0.2 dev eth1 label eth1:a\n }\n}\n");
    vrrp::InstanceConfig ic = to_instance_config(c.vrrp_instances.at(0), c.global);
    EXPECT_EQ(ic.machine.garp_master_delay, std::chrono::seconds(7));
    EXPECT_EQ(ic.machine.garp_master_refresh, std::chrono::seconds(30));
    EXPECT_EQ(ic.machine.garp_master_repeat, 2);
    ASSERT_EQ(ic.vips.size(), 2u);
    EXPECT_EQ(ic.vips[0].dev, "eth0") << "a VIP without dev goes on the instance's interface";
    EXPECT_EQ(ic.vips[1].dev, "eth1");
    EXPECT_EQ(ic.vips[1].label, "eth1:a");
    EXPECT_FALSE(ic.unicast);
}

TEST(VrrpComponentConfig, UnicastPeersSelectUnicastFromSourceIp) {
    auto c = load("vrrp_instance V {\n interface eth0\n virtual_router_id 3\n unicast_src_ip 198.18.0.1\n"
                  " unicast_peer {\n  198.18.0.2\n }\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n");
    vrrp::InstanceConfig ic = to_instance_config(c.vrrp_instances.at(0), c.global);
    EXPECT_TRUE(ic.unicast);
    EXPECT_EQ(ic.source_ip, 0xC6120001u);
    EXPECT_EQ(ic.peers, std::vector<uint32_t>{0xC6120002u});
}

TEST(VrrpComponentConfig, ScriptTimeoutDefaultsToInterval) {
    auto c = load("vrrp_script s {\n script \"/bin/true\"\n interval 3\n weight -20\n fall 10\n}\n");
    vrrp::ScriptConfig sc = to_script_config(c.vrrp_scripts.at(0), c.global);
    EXPECT_EQ(sc.timeout, std::chrono::milliseconds(3000));
    EXPECT_EQ(sc.argv, std::vector<std::string>{"/bin/true"});
    EXPECT_EQ(sc.fall, 10);
}

namespace {
const char* kGroupConf = R"(vrrp_script weighted {
 script "/bin/true"
 weight -30
}
vrrp_script plain {
 script "/bin/true"
}
track_file drain {
 file /run/drain
}
track_file heavy {
 file /run/heavy
 weight 10
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 1
 virtual_ipaddress {
  198.18.0.100
 }
 track_script {
  weighted
  plain
 }
 track_interface {
  eth2 weight -10
 }
 track_file {
  drain
  heavy
 }
}
vrrp_instance VI_2 {
 interface eth1
 virtual_router_id 2
 virtual_ipaddress {
  198.18.1.100
 }
}
vrrp_sync_group NAT {
 group {
  VI_1
  VI_2
 }
 track_interface {
  eth3 weight -5
 }
 track_file {
  heavy
 }
)";
using Ref = TrackerPlan::Ref;
}  // namespace

TEST(VrrpComponentConfig, SyncGroupMembersDropTheirWeightsAndGainTheGroupsTrackers) {
    auto c = load(std::string(kGroupConf) + "}\n");
    auto p1 = plan_trackers(c.vrrp_instances.at(0), c);
    EXPECT_EQ(p1.scripts, (std::vector<Ref>{Ref{"plain", 0, false}})) << "the weighted script is ignored";
    EXPECT_EQ(p1.files, (std::vector<Ref>{Ref{"drain", 0, false}, Ref{"heavy", 10, false}}))
        << "drain (default weight) counts unweighted; heavy only through the group, with its weight";
    ASSERT_EQ(p1.interfaces.size(), 2u);
    EXPECT_EQ(p1.interfaces[0].weight, 0);
    EXPECT_EQ(p1.interfaces[1].name, "eth3");
    EXPECT_EQ(p1.interfaces[1].weight, -5);
    auto p2 = plan_trackers(c.vrrp_instances.at(1), c);
    EXPECT_EQ(p2.files, (std::vector<Ref>{Ref{"heavy", 10, false}}));
    EXPECT_EQ(p2.interfaces.size(), 1u);
}

TEST(VrrpComponentConfig, SyncGroupTrackingWeightKeepsMemberWeights) {
    auto c = load(std::string(kGroupConf) + " sync_group_tracking_weight\n}\n");
    auto p = plan_trackers(c.vrrp_instances.at(0), c);
    EXPECT_EQ(p.scripts, (std::vector<Ref>{Ref{"weighted", -30, false}, Ref{"plain", 0, false}}));
    EXPECT_EQ(p.interfaces[0].weight, -10);
    EXPECT_EQ(p.files, (std::vector<Ref>{Ref{"drain", 1, false}, Ref{"heavy", 10, false}, Ref{"heavy", 10, false}}));
}

TEST(VrrpComponentConfig, GarpIntervalInheritsTheGlobalOne) {
    auto c = load("global_defs {\n vrrp_garp_interval 0.2\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n"
                  " virtual_ipaddress { 198.18.0.100 }\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 2\n"
                  " garp_interval 0.05\n virtual_ipaddress { 198.18.0.101 }\n}\n");
    EXPECT_EQ(to_instance_config(c.vrrp_instances.at(0), c.global).garp_interval, std::chrono::milliseconds(200));
    EXPECT_EQ(to_instance_config(c.vrrp_instances.at(1), c.global).garp_interval, std::chrono::milliseconds(50));
}
