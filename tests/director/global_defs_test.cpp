// global_defs keywords this project added or stopped ignoring: metrics_listen, the mail settings,
// lvs_timeouts, lvs_sync_daemon with or without an instance, lvs_netlink_cmd_rcv_bufs. Bad values are errors naming file:line.
#include <gtest/gtest.h>

#include "director/config/model.hpp"

using namespace director::config;

namespace {
Config load_globals(const std::string& globals, Diagnostics& d, const std::string& rest = "") {
    return load_text("global_defs {\n" + globals + "}\n" + rest, "g.conf", d);
}
std::string first_error(const Diagnostics& d) { return d.errors().empty() ? "" : d.errors()[0].str(); }
}  // namespace

TEST(GlobalDefs, MailSettingsAreRead) {
    Diagnostics d;
    auto c = load_globals(" smtp_server 198.18.0.3 2525\n smtp_connect_timeout 5\n notification_email {\n  a@x.org\n  b@x.org\n }\n"
                  " notification_email_from lb@x.org\n smtp_alert_vrrp off\n",
                  d);
    ASSERT_TRUE(d.ok()) << first_error(d);
    EXPECT_EQ(c.global.smtp_server, "198.18.0.3");
    EXPECT_EQ(c.global.smtp_port, 2525);
    EXPECT_EQ(c.global.smtp_connect_timeout_s, 5);
    EXPECT_EQ(c.global.notification_email, (std::vector<std::string>{"a@x.org", "b@x.org"}));
    EXPECT_EQ(c.global.notification_email_from, "lb@x.org");
    EXPECT_EQ(c.global.smtp_alert_vrrp, false);
    EXPECT_FALSE(c.global.smtp_alert.has_value());
    EXPECT_TRUE(d.warnings().empty()) << "mail keywords are no longer ignored";
}

TEST(GlobalDefs, BadMailValuesAreErrorsWithTheLine) {
    Diagnostics d;
    load_globals(" smtp_server\n", d);
    EXPECT_EQ(first_error(d), "g.conf:2: smtp_server takes ADDR [PORT]");
    Diagnostics d2;
    load_globals(" notification_email {\n  not-an-address\n }\n", d2);
    EXPECT_EQ(first_error(d2), "g.conf:2: notification_email: 'not-an-address' is not a mail address");
}

TEST(GlobalDefs, MetricsListenTakesAddrPortOrPort) {
    Diagnostics d;
    EXPECT_EQ(load_globals(" metrics_listen 127.0.0.1:9650\n", d).global.metrics_listen, "127.0.0.1:9650");
    Diagnostics d2;
    EXPECT_EQ(load_globals(" metrics_listen :9650\n", d2).global.metrics_listen, ":9650");
    for (const char* bad : {"9650", "localhost:9650", "127.0.0.1:99999", "127.0.0.1:"}) {
        Diagnostics e;
        load_globals(std::string(" metrics_listen ") + bad + "\n", e);
        EXPECT_EQ(first_error(e), std::string("g.conf:2: metrics_listen takes ADDR:PORT or :PORT (IPv4), not '") + bad + "'");
    }
}

TEST(GlobalDefs, LvsTimeoutsInAnyOrderAndBadOnesAreErrors) {
    Diagnostics d;
    auto c = load_globals(" lvs_timeouts udp 300 tcp 7200\n", d);
    ASSERT_TRUE(d.ok()) << first_error(d);
    ASSERT_TRUE(c.global.lvs_timeouts);
    EXPECT_EQ(*c.global.lvs_timeouts, (LvsTimeouts{7200, 0, 300}));
    for (const char* bad : {"", "tcp", "tcp 0", "sctp 5", "tcp x"}) {
        Diagnostics e;
        load_globals(std::string(" lvs_timeouts ") + bad + "\n", e);
        EXPECT_FALSE(e.ok()) << bad;
        EXPECT_EQ(e.errors()[0].where.line, 2) << bad;
    }
}

TEST(GlobalDefs, LvsNetlinkReceiveBufferIsReadAndTheOtherNetlinkBuffersAreIgnoredWithAWarning) {
    Diagnostics d;
    auto c = load_globals(" lvs_netlink_cmd_rcv_bufs 8192\n lvs_netlink_cmd_rcv_bufs_force\n vrrp_netlink_cmd_rcv_bufs 1048576\n", d);
    ASSERT_TRUE(d.ok()) << first_error(d);
    EXPECT_EQ(c.global.lvs_netlink_cmd_rcv_bufs, 8192u);
    EXPECT_TRUE(c.global.lvs_netlink_cmd_rcv_bufs_force);
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].str(), "g.conf:4: 'vrrp_netlink_cmd_rcv_bufs' is a keepalived keyword that director ignores");
    Diagnostics dflt;
    auto plain = load_globals(" router_id x\n", dflt);
    EXPECT_EQ(plain.global.lvs_netlink_cmd_rcv_bufs, 0u) << "0: the client's own 4 MiB";
    for (const char* bad : {"512", "2G", "-1"}) {
        Diagnostics e;
        load_globals(std::string(" lvs_netlink_cmd_rcv_bufs ") + bad + "\n", e);
        EXPECT_NE(first_error(e).find("g.conf:2: "), std::string::npos) << bad << ": " << first_error(e);
    }
}

TEST(GlobalDefs, LvsSyncDaemonWithOrWithoutAnInstance) {
    const std::string instance =
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n";
    Diagnostics d;
    auto c = load_globals(" lvs_sync_daemon eth0 VI_1 id 7\n", d, instance);
    ASSERT_TRUE(d.ok()) << first_error(d);
    EXPECT_EQ(c.global.lvs_sync_daemon->vrrp_instance, "VI_1");
    EXPECT_EQ(c.global.lvs_sync_daemon->syncid, 7);
    Diagnostics d2;
    auto both = load_globals(" lvs_sync_daemon eth0 id 3\n", d2, instance);
    ASSERT_TRUE(d2.ok()) << first_error(d2);
    EXPECT_EQ(both.global.lvs_sync_daemon->vrrp_instance, "");
    EXPECT_EQ(both.global.lvs_sync_daemon->syncid, 3);
    Diagnostics d3;
    load_globals(" lvs_sync_daemon eth0 VI_9\n", d3, instance);
    EXPECT_EQ(first_error(d3), "g.conf:2: lvs_sync_daemon follows vrrp_instance VI_9, which this file does not define");
}
