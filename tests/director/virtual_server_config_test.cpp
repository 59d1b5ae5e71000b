#include <gtest/gtest.h>

#include "director/config/model.hpp"

using namespace director;
using namespace director::config;

namespace {

Config vs_load(const std::string& text, Diagnostics& d) { return load_text(text, "lvs.conf", d); }

std::string errors(const Diagnostics& d) {
    std::string s;
    for (const auto& e : d.errors()) s += e.str() + "\n";
    return s;
}

}  // namespace

TEST(VirtualServerConfig, ConfigWithOnlyVirtualServersIsValid) {
    Diagnostics d;
    auto cfg = vs_load(R"(
virtual_server 10.120.100.100 6443 {
    delay_loop 3
    lb_algo wrr
    lb_kind DR
    persistence_timeout 50
    persistence_granularity 255.255.255.0
    protocol TCP
    quorum 2
    hysteresis 1
    alpha
    omega
    virtualhost api.example
    sorry_server 10.120.100.9 6443
    real_server 10.120.100.6 6443 {
        weight 3
        inhibit_on_failure
        notify_up "/bin/echo up"
        notify_down /bin/echo down
    }
    real_server 10.120.100.3 6443 {
        weight 1
    }
}
)", d);
    ASSERT_TRUE(d.ok()) << errors(d);
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    const auto& vs = cfg.virtual_servers[0];
    EXPECT_EQ(vs.key.address, 0x0A786464u);
    EXPECT_EQ(vs.key.port, 6443);
    EXPECT_EQ(vs.delay_loop_ms, 3000);
    EXPECT_EQ(vs.scheduler, "wrr");
    EXPECT_EQ(vs.forward, ipvs::Forward::Route);
    EXPECT_EQ(vs.persistence_timeout_s, 50u);
    EXPECT_EQ(vs.persistence_granularity, 0xFFFFFF00u);
    EXPECT_EQ(vs.quorum, 2);
    EXPECT_TRUE(vs.alpha && vs.omega);
    EXPECT_EQ(vs.virtualhost, "api.example");
    ASSERT_TRUE(vs.sorry_server);
    ASSERT_EQ(vs.real_servers.size(), 2u);
    EXPECT_EQ(vs.real_servers[0].weight, 3);
    EXPECT_TRUE(vs.real_servers[0].inhibit_on_failure);
    EXPECT_EQ(vs.real_servers[0].notify_up, "/bin/echo up");
    EXPECT_EQ(vs.real_servers[0].notify_down, "/bin/echo down");
    EXPECT_EQ(vs.real_servers[0].where.line, 15);
    auto svc = vs.service();
    EXPECT_TRUE(svc.flags & ipvs::kFlagPersistent);
    EXPECT_EQ(svc.timeout_s, 50u);
}

TEST(VirtualServerConfig, DefaultsFollowKeepalived) {
    Diagnostics d;
    auto cfg = vs_load("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n", d);
    ASSERT_TRUE(d.ok()) << errors(d);
    const auto& vs = cfg.virtual_servers[0];
    EXPECT_EQ(vs.scheduler, "wlc");
    EXPECT_EQ(vs.forward, ipvs::Forward::Masq);
    EXPECT_EQ(vs.delay_loop_ms, 60000);
    // keepalived's default protocol is UDP, with a warning; the same file must mean the same service here.
    EXPECT_EQ(vs.key.protocol, ipvs::Protocol::UDP);
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].str(), "lvs.conf:1: virtual_server: no protocol set - defaulting to UDP, as keepalived "
                                     "does (an apiserver needs 'protocol TCP')");
    EXPECT_EQ(vs.real_servers[0].weight, 1);
    EXPECT_EQ(vs.service().flags, 0u);
}

TEST(VirtualServerConfig, ExplicitProtocolGivesNoWarning) {
    Diagnostics d;
    auto cfg = vs_load("virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}\n", d);
    ASSERT_TRUE(d.ok()) << errors(d);
    EXPECT_EQ(cfg.virtual_servers[0].key.protocol, ipvs::Protocol::TCP);
    EXPECT_TRUE(d.warnings().empty());
}

TEST(VirtualServerConfig, FwmarkServiceAndAlternateKeywords) {
    Diagnostics d;
    auto cfg = vs_load("virtual_server fwmark 7 {\n lvs_sched sh\n sh-port\n lvs_method TUN\n protocol UDP\n"
                    " real_server 10.0.0.2 0 {\n }\n}\n",
                    d);
    ASSERT_TRUE(d.ok()) << errors(d);
    const auto& vs = cfg.virtual_servers[0];
    EXPECT_EQ(vs.key.fwmark, 7u);
    EXPECT_EQ(vs.key.protocol, ipvs::Protocol::TCP);  // normalised: the kernel reports fwmark services so
    EXPECT_EQ(vs.scheduler, "sh");
    EXPECT_EQ(vs.forward, ipvs::Forward::Tunnel);
    EXPECT_EQ(vs.service().flags, ipvs::kFlagSched2);
}

TEST(VirtualServerConfig, UnknownSchedulerIsAnErrorAtItsLine) {
    Diagnostics d;
    vs_load("virtual_server 10.0.0.1 80 {\n  lb_algo fastest\n}\n", d);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.errors()[0].where.str(), "lvs.conf:2");
    EXPECT_NE(d.errors()[0].message.find("unknown scheduler 'fastest'"), std::string::npos);
}

TEST(VirtualServerConfig, PortZeroIsAnError) {
    Diagnostics d;
    vs_load("\nvirtual_server 10.0.0.1 0 {\n}\n", d);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.errors()[0].where.str(), "lvs.conf:2");
    EXPECT_NE(d.errors()[0].message.find("out of range 1..65535"), std::string::npos);
    Diagnostics d2;
    vs_load("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 0 {\n }\n}\n", d2);
    ASSERT_FALSE(d2.ok());
    EXPECT_EQ(d2.errors()[0].where.str(), "lvs.conf:2");
}

TEST(VirtualServerConfig, DuplicateRealServerNamesBothLines) {
    Diagnostics d;
    vs_load("virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n real_server 10.0.0.2 80 {\n"
            " }\n}\n",
            d);
    ASSERT_EQ(d.errors().size(), 1u);
    EXPECT_EQ(d.errors()[0].str(),
              "lvs.conf:5: real_server 10.0.0.2:80 is listed twice in TCP 10.0.0.1:80 (first at lvs.conf:3)");
}

TEST(VirtualServerConfig, DuplicateVirtualServerIsAnError) {
    Diagnostics d;
    vs_load("virtual_server 10.0.0.1 80 {\n}\nvirtual_server 10.0.0.1 80 {\n}\n", d);
    ASSERT_EQ(d.errors().size(), 1u);
    EXPECT_EQ(d.errors()[0].where.line, 3);
}

TEST(VirtualServerConfig, WeightOutOfRangeIsAnError) {
    Diagnostics d;
    vs_load("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  weight 70000\n }\n}\n", d);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.errors()[0].where.str(), "lvs.conf:3");
    EXPECT_NE(d.errors()[0].message.find("weight"), std::string::npos);
    Diagnostics d2;
    vs_load("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  weight -1\n }\n}\n", d2);
    EXPECT_FALSE(d2.ok());
}

TEST(VirtualServerConfig, BadValuesAreReportedTogether) {
    Diagnostics d;
    vs_load("virtual_server 10.0.0.1 80 {\n lb_kind NATT\n protocol ICMP\n delay_loop x\n"
         " persistence_granularity 255.0.255.0\n bogus 1\n real_server 10.0.0 80 {\n }\n}\n",
         d);
    std::vector<int> lines;
    for (const auto& e : d.errors()) lines.push_back(e.where.line);
    EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 5, 6, 7})) << errors(d);
}

TEST(VirtualServerConfig, DrRealServerPortFollowsVirtualPortWithWarning) {
    Diagnostics d;
    auto cfg = vs_load("virtual_server 10.0.0.1 80 {\n lb_kind DR\n protocol TCP\n real_server 10.0.0.2 8080 {\n }\n}\n",
                       d);
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].where.line, 4);
    EXPECT_EQ(cfg.virtual_servers[0].real_servers[0].port, 80);
}
