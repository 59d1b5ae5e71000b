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
    EXPECT_EQ(ic.garp_master_delay, std::chrono::seconds(7));
    EXPECT_EQ(ic.garp_master_refresh, std::chrono::seconds(30));
    EXPECT_EQ(ic.garp_master_repeat, 2);
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
