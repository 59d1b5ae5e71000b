#include <gtest/gtest.h>

#include <filesystem>

#include "director/config/model.hpp"
#include "director/config/values.hpp"
#include "../director/config_text.hpp"

using namespace director::config;
using testsupport::all_errors;
using testsupport::load_ok;
using testsupport::expect_error;

namespace {

const std::filesystem::path kRepo = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();

const char* kMinimal = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n";

std::string instance(const std::string& extra) { return std::string(kMinimal) + extra + "}\n"; }

}  // namespace

TEST(VrrpConfig, SeedMasterAndBackupFilesLoad) {
    for (const char* name : {"keepalived-master.conf", "keepalived-backup.conf"}) {
        Diagnostics d;
        Config c = load((kRepo / "conf" / name).string(), d);
        ASSERT_TRUE(d.ok()) << name << "\n" << all_errors(d);
        ASSERT_EQ(c.vrrp_instances.size(), 1u);
        const auto& in = c.vrrp_instances[0];
        EXPECT_EQ(in.vrid, 51);
        EXPECT_EQ(in.advert_int_s, 1);
        EXPECT_EQ(in.interface, "eth0");
        EXPECT_EQ(in.auth, VrrpInstanceConf::Auth::Pass);
        ASSERT_EQ(in.vips.size(), 1u);
        EXPECT_EQ(format_ipv4(in.vips[0].address), "10.120.100.100");
        EXPECT_EQ(in.vips[0].prefix, 32);
        ASSERT_EQ(in.track_scripts.size(), 1u);
        EXPECT_EQ(in.track_scripts[0].name, "chk_apiserver");
        ASSERT_EQ(c.vrrp_scripts.size(), 1u);
        EXPECT_EQ(c.vrrp_scripts[0].interval_ms, 3000);
        EXPECT_EQ(c.vrrp_scripts[0].fall, 10);
        EXPECT_LT(c.vrrp_scripts[0].weight, 0);
        bool master = std::string(name) == "keepalived-master.conf";
        EXPECT_EQ(in.priority, master ? 110 : 100);
        EXPECT_EQ(in.initial_master, master);
        // The weight must be able to move the VIP: master minus |weight| below the backup.
        EXPECT_LT(110 + c.vrrp_scripts[0].weight, 100);
    }
}

TEST(VrrpConfig, ReadsEveryInstanceKeyword) {
    Config c = load_ok(
        "vrrp_script chk {\n script \"/bin/check --fast 'a b'\"\n interval 2\n timeout 1.5\n weight -30\n rise 2\n"
        " fall 3\n}\n"
        "vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 7\n priority 90\n advert_int 2\n"
        " nopreempt\n preempt_delay 15\n authentication {\n  auth_type PASS\n  auth_pass secret\n }\n"
        " virtual_ipaddress {\n  10.0.0.1/24 dev eth1 label eth1:vip\n  10.0.0.2\n }\n"
        " unicast_src_ip 198.18.0.1\n unicast_peer {\n  198.18.0.2\n  198.18.0.3\n }\n"
        " track_script {\n  chk weight -5\n }\n track_interface {\n  eth1\n  eth2 weight -10\n }\n"
        " garp_master_delay 0\n garp_master_repeat 3\n garp_master_refresh 60\n"
        " notify_master \"/usr/local/bin/notify master\"\n notify /usr/local/bin/all\n dont_track_primary\n}\n");
    ASSERT_EQ(c.vrrp_scripts.size(), 1u);
    EXPECT_EQ(c.vrrp_scripts[0].argv, (std::vector<std::string>{"/bin/check", "--fast", "a b"}));
    EXPECT_EQ(c.vrrp_scripts[0].timeout_ms, 1500);
    const auto& in = c.vrrp_instances.at(0);
    EXPECT_FALSE(in.preempt);
    EXPECT_EQ(in.preempt_delay_ms, 15000);
    EXPECT_EQ(in.auth_pass, "secret");
    ASSERT_EQ(in.vips.size(), 2u);
    EXPECT_EQ(in.vips[0].prefix, 24);
    EXPECT_EQ(in.vips[0].dev, "eth1");
    EXPECT_EQ(in.vips[0].label, "eth1:vip");
    EXPECT_EQ(in.unicast_peers.size(), 2u);
    EXPECT_EQ(*in.track_scripts[0].weight, -5);
    EXPECT_EQ(in.track_interfaces[1].weight, -10);
    EXPECT_EQ(in.garp_master_delay_s, 0);
    EXPECT_EQ(in.garp_master_repeat, 3);
    EXPECT_EQ(in.garp_master_refresh_s, 60);
    EXPECT_EQ(in.notify_master, (std::vector<std::string>{"/usr/local/bin/notify", "master"}));
    EXPECT_EQ(in.notify, std::vector<std::string>{"/usr/local/bin/all"});
    EXPECT_TRUE(in.dont_track_primary);
}

TEST(VrrpConfig, UnknownKeywordIsErrorWithFileLine) { expect_error(instance(" bogus 1\n"), 7, "unknown keyword 'bogus'"); }

TEST(VrrpConfig, AuthTypeAhIsUnsupported) {
    expect_error(instance(" authentication {\n  auth_type AH\n  auth_pass x\n }\n"), 8, "AH is not supported");
}

TEST(VrrpConfig, PriorityOutOfRange) { expect_error(instance(" priority 256\n"), 7, "out of range"); }

TEST(VrrpConfig, BadVirtualAddress) {
    expect_error("vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.300\n"
                 " }\n}\n",
                 5, "not an IPv4 address");
}

TEST(VrrpConfig, BadVirtualAddressOption) {
    expect_error("vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.3 dve x\n"
                 " }\n}\n",
                 5, "unknown or incomplete option 'dve'");
}

TEST(VrrpConfig, MissingVridAndInterfaceNameTheInstanceLine) {
    Diagnostics d;
    load_text("\nvrrp_instance V {\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n", "t.conf", d);
    ASSERT_EQ(d.errors().size(), 2u) << all_errors(d);
    EXPECT_EQ(d.errors()[0].where.str(), "t.conf:2");
    EXPECT_EQ(d.errors()[1].where.str(), "t.conf:2");
}

TEST(VrrpConfig, TrackScriptMustNameAnExistingScript) {
    expect_error(instance(" track_script {\n  nosuch\n }\n"), 8, "no vrrp_script named 'nosuch'");
}

TEST(VrrpConfig, TrackScriptWeightRange) {
    Diagnostics d;
    load_text("vrrp_script c {\n script /bin/true\n weight 254\n}\n", "t.conf", d);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.errors()[0].where.str(), "t.conf:3");
}

TEST(VrrpConfig, VrrpScriptWithoutScript) {
    expect_error("vrrp_script c {\n interval 2\n}\n", 1, "missing 'script'");
}

TEST(VrrpConfig, NopreemptWithStateMasterIsRejected) {
    expect_error(instance(" state MASTER\n nopreempt\n"), 8, "nopreempt requires 'state BACKUP'");
}

TEST(VrrpConfig, DuplicateVridOnSameInterface) {
    std::string two = instance("") + "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 51\n"
                                     " virtual_ipaddress {\n  10.0.0.2\n }\n}\n";
    expect_error(two, 8, "virtual_router_id 51 on eth0 is already used by VI_1");
}

TEST(VrrpConfig, IgnoredKeepalivedKeywordWarnsButLoads) {
    Diagnostics d;
    load_text(instance(" debug\n garp_lower_prio_repeat 1\n"), "t.conf", d);
    EXPECT_TRUE(d.ok()) << all_errors(d);
    ASSERT_EQ(d.warnings().size(), 2u);
    EXPECT_EQ(d.warnings()[0].where.str(), "t.conf:7");
}

TEST(VrrpConfig, UnsupportedKeepalivedFeatureIsAnError) {
    expect_error(instance(" use_vmac\n"), 7, "'use_vmac' is not supported");
}

TEST(VrrpConfig, LongPasswordIsCutWithWarning) {
    Diagnostics d;
    load_text(instance(" authentication {\n  auth_type PASS\n  auth_pass 0123456789\n }\n"), "t.conf", d);
    EXPECT_TRUE(d.ok());
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].where.str(), "t.conf:9");
}

TEST(VrrpConfig, UnicastPeerTtlWindowsAreRead) {
    Config c = load_ok(instance(" unicast_src_ip 198.18.0.1\n unicast_peer {\n  198.18.0.2 min_ttl 255\n"
                                "  198.18.0.3 min_ttl 60 max_ttl 64\n  198.18.0.4\n }\n"));
    const auto& in = c.vrrp_instances.at(0);
    EXPECT_EQ(in.unicast_peers.size(), 3u);
    ASSERT_EQ(in.unicast_peer_ttls.size(), 2u);
    EXPECT_EQ(in.unicast_peer_ttls[0].min_ttl, 255);
    EXPECT_EQ(in.unicast_peer_ttls[0].max_ttl, 255);
    EXPECT_EQ(in.unicast_peer_ttls[1].min_ttl, 60);
    EXPECT_EQ(in.unicast_peer_ttls[1].max_ttl, 64);
}

TEST(VrrpConfig, BadUnicastPeerOptionsNameTheLine) {
    for (const std::string& opt : {"min_ttl", "hops 3", "min_ttl 300", "min_ttl 70 max_ttl 60"}) {
        Diagnostics d;
        load_text(instance(" unicast_src_ip 198.18.0.1\n unicast_peer {\n  198.18.0.2 " + opt + "\n }\n"), "u.conf", d);
        ASSERT_FALSE(d.ok()) << opt;
        EXPECT_EQ(d.errors()[0].where.line, 9) << opt << ": " << all_errors(d);
    }
}
