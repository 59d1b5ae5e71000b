// static_ipaddress / static_routes / static_rules and virtual_routes / virtual_rules: each accepted form
// becomes the kernel object it names, and each bad line is one error at its own file:line.
#include <gtest/gtest.h>

#include "director/config/model.hpp"
#include "director/config/values.hpp"
#include "config_text.hpp"

using namespace director::config;
using testsupport::all_errors;

namespace {

Config load_ok(const std::string& text) { return testsupport::load_ok(text, "r.conf"); }
void expect_error(const std::string& text, int line, const std::string& needle) {
    testsupport::expect_error(text, line, needle, "r.conf");
}

uint32_t ip(const char* s) { return *parse_ipv4(s); }

// A route line inside static_routes, at line 2 of the file.
std::string routes(const std::string& line) { return "static_routes {\n" + line + "\n}\n"; }
std::string rules(const std::string& line) { return "static_rules {\n" + line + "\n}\n"; }

const char* kInstanceHead =
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  198.18.0.100/24\n }\n";

}  // namespace

TEST(StaticAddressConfig, ReadsPrefixDevLabelScopeAndBroadcast) {
    auto c = load_ok("static_ipaddress {\n 198.18.5.1/24 dev eth1 label eth1:st scope link brd 198.18.5.255\n"
                     " 198.18.6.1 dev eth2\n}\n");
    ASSERT_EQ(c.static_network.addresses.size(), 2u);
    const auto& a = c.static_network.addresses[0];
    EXPECT_EQ(a.spec.address, ip("198.18.5.1"));
    EXPECT_EQ(a.spec.prefix, 24);
    EXPECT_EQ(a.spec.dev, "eth1");
    EXPECT_EQ(a.spec.label, "eth1:st");
    EXPECT_EQ(a.spec.scope, vrrp::kScopeLink);
    EXPECT_EQ(a.spec.broadcast, ip("198.18.5.255"));
    EXPECT_EQ(a.where.str(), "r.conf:2");
    EXPECT_EQ(c.static_network.addresses[1].spec.prefix, 32);  // no /PREFIX: a host address, as `ip addr`
    EXPECT_EQ(vrrp::describe(a.spec), "198.18.5.1/24 dev eth1 brd 198.18.5.255 label eth1:st scope link");
}

TEST(StaticAddressConfig, AddressWithoutDevIsAnError) {
    expect_error("static_ipaddress {\n 198.18.5.1/24\n}\n", 2, "needs 'dev IF'");
}

TEST(StaticAddressConfig, BadPrefixLengthIsAnErrorAtItsLine) {
    expect_error("static_ipaddress {\n 198.18.5.1/24 dev eth0\n 198.18.5.2/33 dev eth0\n}\n", 3, "prefix length");
}

TEST(StaticAddressConfig, UnsupportedKeepalivedAddressOptionIsAnError) {
    expect_error("static_ipaddress {\n 198.18.5.1/24 dev eth0 home\n}\n", 2, "'home' is a keepalived address option");
}

TEST(RouteConfig, ReadsEveryOptionOfTheSubset) {
    auto c = load_ok(routes("src 198.18.0.100 to 198.18.9.0/24 via 198.18.0.1 dev eth1 table 100 metric 7 "
                            "scope global proto static onlink no_track"));
    ASSERT_EQ(c.static_network.routes.size(), 1u);
    const auto& r = c.static_network.routes[0].spec;
    EXPECT_EQ(r.type, vrrp::RouteSpec::Type::Unicast);
    EXPECT_EQ(r.dst, ip("198.18.9.0"));
    EXPECT_EQ(r.prefix, 24);
    EXPECT_EQ(r.src, ip("198.18.0.100"));
    EXPECT_EQ(r.via, ip("198.18.0.1"));
    EXPECT_EQ(r.dev, "eth1");
    EXPECT_EQ(r.table, 100u);
    EXPECT_EQ(r.metric, 7u);
    EXPECT_EQ(r.scope, vrrp::kScopeGlobal);
    EXPECT_EQ(r.protocol, vrrp::kProtoStatic);
    EXPECT_TRUE(r.onlink);
    EXPECT_EQ(vrrp::describe(r),
              "198.18.9.0/24 via 198.18.0.1 dev eth1 src 198.18.0.100 table 100 metric 7 scope global proto static onlink");
}

TEST(RouteConfig, DefaultRouteWithGwAndNamedTables) {
    auto c = load_ok(routes("default gw 198.18.0.1 table main\n 0.0.0.0/0 via 198.18.0.2 table local\n"
                            " 198.18.7.0/24 dev eth0 priority 5 table default"));
    ASSERT_EQ(c.static_network.routes.size(), 3u);
    const auto& d = c.static_network.routes[0].spec;
    EXPECT_EQ(d.dst, 0u);
    EXPECT_EQ(d.prefix, 0);
    EXPECT_EQ(d.table, vrrp::kTableMain);
    EXPECT_EQ(d.protocol, vrrp::kProtoBoot);  // as `ip route add` without proto
    EXPECT_EQ(vrrp::effective_scope(d), vrrp::kScopeGlobal);
    EXPECT_EQ(c.static_network.routes[1].spec.table, vrrp::kTableLocal);
    const auto& linkroute = c.static_network.routes[2].spec;
    EXPECT_EQ(linkroute.table, vrrp::kTableDefault);
    EXPECT_EQ(linkroute.metric, 5u);
    EXPECT_EQ(vrrp::effective_scope(linkroute), vrrp::kScopeLink);  // no gateway: on the link
}

TEST(RouteConfig, BlackholeUnreachableAndProhibitTakeTheirDestination) {
    auto c = load_ok(routes("blackhole 198.18.8.0/24\n unreachable 198.18.9.0/24 table 7\n prohibit 198.18.10.0/24"));
    ASSERT_EQ(c.static_network.routes.size(), 3u);
    EXPECT_EQ(c.static_network.routes[0].spec.type, vrrp::RouteSpec::Type::Blackhole);
    EXPECT_EQ(c.static_network.routes[0].spec.dst, ip("198.18.8.0"));
    EXPECT_EQ(c.static_network.routes[1].spec.type, vrrp::RouteSpec::Type::Unreachable);
    EXPECT_EQ(c.static_network.routes[2].spec.type, vrrp::RouteSpec::Type::Prohibit);
    EXPECT_EQ(vrrp::effective_scope(c.static_network.routes[0].spec), vrrp::kScopeGlobal);
    EXPECT_EQ(vrrp::describe(c.static_network.routes[1].spec), "unreachable 198.18.9.0/24 table 7");
}

TEST(RouteConfig, HostBitsPastThePrefixAreAnErrorNamingTheNetwork) {
    expect_error(routes("198.18.9.5/24 via 198.18.0.1"), 2, "the network is 198.18.9.0/24");
}

TEST(RouteConfig, BadPrefixLengthIsAnError) {
    expect_error(routes("198.18.9.0/40 via 198.18.0.1"), 2, "bad prefix length");
}

TEST(RouteConfig, UnknownOptionIsAnErrorListingTheKnownOnes) {
    expect_error(routes("198.18.9.0/24 via 198.18.0.1 bogus 3"), 2, "unknown option 'bogus'");
}

TEST(RouteConfig, UnsupportedKeepalivedRouteOptionsSaySo) {
    expect_error(routes("198.18.9.0/24 via 198.18.0.1 mtu 1400"), 2, "'mtu' is a keepalived route option director "
                                                                     "does not support");
    expect_error(routes("198.18.9.0/24 table 5 nexthop via 198.18.0.1 dev eth0"), 2, "'nexthop'");
    expect_error(routes("198.18.9.0/24 via 198.18.0.1 realms 3"), 2, "'realms'");
    expect_error(routes("198.18.9.0/24 via 198.18.0.1 or 198.18.0.2"), 2, "'or'");
}

TEST(RouteConfig, MissingDestinationOrNexthopIsAnError) {
    expect_error(routes("via 198.18.0.1 dev eth0"), 2, "no destination");
    expect_error(routes("198.18.9.0/24 table 5"), 2, "needs 'via IP' or 'dev IF'");
    expect_error(routes("blackhole 198.18.9.0/24 dev eth0"), 2, "takes no via, dev or onlink");
    expect_error(routes("198.18.9.0/24 dev eth0 onlink"), 2, "onlink needs 'via IP'");
}

TEST(RouteConfig, OptionWithoutValueAndBadValuesAreErrors) {
    expect_error(routes("198.18.9.0/24 via"), 2, "'via' needs a value");
    expect_error(routes("198.18.9.0/24 via 198.18.0.1 table 0"), 2, "is not a table");
    expect_error(routes("198.18.9.0/24 via 198.18.0.1 scope galaxy"), 2, "is not a scope");
    expect_error(routes("198.18.9.0/24 via 198.18.0.300"), 2, "is not an IPv4 address");
}

TEST(RouteConfig, RepeatedRouteIsAnErrorNamingTheFirst) {
    expect_error("static_routes {\n 198.18.9.0/24 via 198.18.0.1\n}\nstatic_routes {\n 198.18.9.0/24 via 198.18.0.1\n}\n",
                 5, "already listed at r.conf:2");
}

TEST(RuleConfig, ReadsEveryOptionOfTheSubset) {
    auto c = load_ok(rules("from 198.18.1.0/24 to 198.18.2.0/26 table 100 priority 200 iif eth0 oif eth1 "
                           "fwmark 0x18/0xff tos 16 no_track"));
    ASSERT_EQ(c.static_network.rules.size(), 1u);
    const auto& r = c.static_network.rules[0].spec;
    EXPECT_EQ(r.from, ip("198.18.1.0"));
    EXPECT_EQ(r.from_prefix, 24);
    EXPECT_EQ(r.to, ip("198.18.2.0"));
    EXPECT_EQ(r.to_prefix, 26);
    EXPECT_EQ(r.table, 100u);
    EXPECT_EQ(r.priority, 200u);
    EXPECT_EQ(r.iif, "eth0");
    EXPECT_EQ(r.oif, "eth1");
    EXPECT_EQ(r.fwmark, 0x18u);
    EXPECT_EQ(r.fwmask, 0xffu);
    EXPECT_EQ(r.tos, 16);
    EXPECT_EQ(vrrp::describe(r),
              "priority 200 from 198.18.1.0/24 to 198.18.2.0/26 tos 16 fwmark 24/255 iif eth0 oif eth1 table 100");
}

TEST(RuleConfig, PreferenceAndPrefAreSpellingsOfPriority) {
    auto c = load_ok(rules("to 198.18.2.0/24 table main preference 10\n from all table 5 pref 11"));
    ASSERT_EQ(c.static_network.rules.size(), 2u);
    EXPECT_EQ(c.static_network.rules[0].spec.priority, 10u);
    EXPECT_EQ(c.static_network.rules[0].spec.table, vrrp::kTableMain);
    EXPECT_EQ(c.static_network.rules[1].spec.priority, 11u);
    EXPECT_FALSE(c.static_network.rules[1].spec.from.has_value());  // `from all`
}

TEST(RuleConfig, RuleWithoutPriorityLoadsWithAWarning) {
    Diagnostics d;
    auto c = load_text(rules("from 198.18.1.0/24 table 5"), "r.conf", d);
    EXPECT_TRUE(d.ok()) << all_errors(d);
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].where.str(), "r.conf:2");
    EXPECT_NE(d.warnings()[0].message.find("no priority"), std::string::npos);
    EXPECT_EQ(c.static_network.rules.size(), 1u);
}

TEST(RuleConfig, MissingTableIsAnError) {
    expect_error(rules("from 198.18.1.0/24 priority 100"), 2, "needs 'table N'");
}

TEST(RuleConfig, BadPrefixUnknownAndUnsupportedOptionsAreErrors) {
    expect_error(rules("from 198.18.1.0/33 table 5 priority 1"), 2, "bad prefix length");
    expect_error(rules("from 198.18.1.7/24 table 5 priority 1"), 2, "host bits");
    expect_error(rules("from 198.18.1.0/24 table 5 priority 1 sideways"), 2, "unknown option 'sideways'");
    expect_error(rules("from 198.18.1.0/24 table 5 priority 1 goto 40"), 2,
                 "'goto' is a keepalived rule option director does not support");
    expect_error(rules("from 198.18.1.0/24 table 5 priority 1 uidrange 1-2"), 2, "'uidrange'");
    expect_error(rules("from 198.18.1.0/24 table 5 priority 1 fwmark x1"), 2, "fwmark");
    expect_error(rules("from 198.18.1.0/24 table 5 priority 1 tos 300"), 2, "tos");
}

TEST(VirtualRoutesConfig, InstanceKeepsItsRoutesAndRules) {
    auto c = load_ok(std::string(kInstanceHead) +
                     " virtual_routes {\n  198.18.9.0/24 via 198.18.0.1 table 100\n  blackhole 198.18.10.0/24\n }\n"
                     " virtual_rules {\n  from 198.18.0.100/32 table 100 priority 100\n }\n}\n");
    ASSERT_EQ(c.vrrp_instances.size(), 1u);
    const auto& in = c.vrrp_instances[0];
    ASSERT_EQ(in.virtual_routes.size(), 2u);
    EXPECT_EQ(in.virtual_routes[0].spec.table, 100u);
    EXPECT_EQ(in.virtual_routes[0].where.str(), "r.conf:8");
    EXPECT_EQ(in.virtual_routes[1].spec.type, vrrp::RouteSpec::Type::Blackhole);
    ASSERT_EQ(in.virtual_rules.size(), 1u);
    EXPECT_EQ(in.virtual_rules[0].spec.from, ip("198.18.0.100"));
    EXPECT_EQ(in.virtual_rules[0].spec.from_prefix, 32);
}

TEST(VirtualRoutesConfig, ErrorsInsideAnInstanceNameTheirLine) {
    expect_error(std::string(kInstanceHead) + " virtual_rules {\n  from 198.18.0.100 priority 100\n }\n}\n", 8,
                 "virtual_rules: a rule needs 'table N'");
    expect_error(std::string(kInstanceHead) + " virtual_routes {\n  198.18.9.0/24 via 198.18.0.1 advmss 100\n }\n}\n",
                 8, "virtual_routes: 'advmss' is a keepalived route option");
}
