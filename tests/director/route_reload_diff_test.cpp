// What a reload says about static_* and virtual_* entries: added and removed ones by name, a reordering
// or a moved line is no change, and an instance whose routes changed is edited in place, not replaced.
#include <gtest/gtest.h>

#include <algorithm>

#include "director/reload/config_diff.hpp"
#include "tests/director/config_text.hpp"

using namespace director;
using reload::Change;
using testsupport::load_config;

namespace {

std::string with(const std::string& statics, const std::string& virtuals) {
    return statics +
           "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  198.18.0.100/24\n }\n" +
           virtuals + "}\n";
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

const std::string kStatics =
    "static_ipaddress {\n 198.18.5.1/24 dev eth1\n}\n"
    "static_routes {\n 198.18.9.0/24 via 198.18.5.254\n 198.18.10.0/24 via 198.18.5.254\n}\n"
    "static_rules {\n from 198.18.5.0/24 table 100 priority 100\n}\n";

const std::string kVirtuals =
    " virtual_routes {\n  198.18.20.0/24 via 198.18.0.1 table 100\n }\n"
    " virtual_rules {\n  from 198.18.0.100 table 100 priority 50\n }\n";

}  // namespace

TEST(RouteReloadDiff, StaticRouteAddedAndRemovedAreListedAndNothingElse) {
    auto before = load_config(with(kStatics, ""));
    std::string edited = kStatics;
    edited.replace(edited.find("198.18.10.0/24"), 14, "198.18.11.0/24");
    auto after = load_config(with(edited, ""));
    auto d = reload::diff(before, after);
    EXPECT_FALSE(d.empty());
    ASSERT_EQ(d.static_network.size(), 2u);
    EXPECT_TRUE(has(d.static_network, "static_routes: 198.18.11.0/24 via 198.18.5.254 added"));
    EXPECT_TRUE(has(d.static_network, "static_routes: 198.18.10.0/24 via 198.18.5.254 removed"));
    EXPECT_TRUE(has(d.describe(), "static_routes: 198.18.11.0/24 via 198.18.5.254 added"));
    EXPECT_EQ(d.instance("VI_1")->change, Change::Unchanged);
}

TEST(RouteReloadDiff, StaticAddressAndRuleChangesAreListed) {
    auto before = load_config(with(kStatics, ""));
    std::string edited = kStatics;
    edited.replace(edited.find("198.18.5.1/24 dev eth1"), 22, "198.18.5.2/24 dev eth1");
    edited.replace(edited.find("priority 100"), 12, "priority 101");
    auto d = reload::diff(before, load_config(with(edited, "")));
    EXPECT_TRUE(has(d.static_network, "static_ipaddress: 198.18.5.2/24 dev eth1 added"));
    EXPECT_TRUE(has(d.static_network, "static_ipaddress: 198.18.5.1/24 dev eth1 removed"));
    EXPECT_TRUE(has(d.static_network, "static_rules: priority 101 from 198.18.5.0/24 table 100 added"));
    EXPECT_TRUE(has(d.static_network, "static_rules: priority 100 from 198.18.5.0/24 table 100 removed"));
    EXPECT_EQ(d.static_network.size(), 4u);
}

TEST(RouteReloadDiff, ReorderedAndMovedStaticLinesAreNoChange) {
    auto before = load_config(with(kStatics, kVirtuals));
    std::string reordered =
        "\n\n# moved down\nstatic_rules {\n from 198.18.5.0/24 table 100 priority 100\n}\n"
        "static_routes {\n 198.18.10.0/24 via 198.18.5.254\n 198.18.9.0/24 via 198.18.5.254\n}\n"
        "static_ipaddress {\n 198.18.5.1/24 dev eth1\n}\n";
    std::string virtuals =
        " virtual_rules {\n  from 198.18.0.100 table 100 priority 50\n }\n"
        " virtual_routes {\n\n  198.18.20.0/24 via 198.18.0.1 table 100\n }\n";
    auto d = reload::diff(before, load_config(with(reordered, virtuals)));
    EXPECT_TRUE(d.empty()) << (d.describe().empty() ? "" : d.describe().front());
}

TEST(RouteReloadDiff, InstanceRouteChangeIsAnInPlaceUpdateNamingTheRoute) {
    auto before = load_config(with("", kVirtuals));
    std::string edited = kVirtuals;
    edited.replace(edited.find("198.18.20.0/24"), 14, "198.18.21.0/24");
    auto d = reload::diff(before, load_config(with("", edited)));
    const auto* in = d.instance("VI_1");
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->change, Change::Updated);
    EXPECT_TRUE(has(in->settings, "virtual_route 198.18.21.0/24 via 198.18.0.1 table 100 added"));
    EXPECT_TRUE(has(in->settings, "virtual_route 198.18.20.0/24 via 198.18.0.1 table 100 removed"));
    EXPECT_EQ(in->settings.size(), 2u);  // not also "other settings changed"
    EXPECT_TRUE(has(d.describe(), "vrrp_instance VI_1: virtual_route 198.18.21.0/24 via 198.18.0.1 table 100 added"));
}

TEST(RouteReloadDiff, InstanceRuleRemovedIsAnInPlaceUpdate) {
    auto before = load_config(with("", kVirtuals));
    auto d = reload::diff(before, load_config(with("", " virtual_routes {\n  198.18.20.0/24 via 198.18.0.1 table 100\n }\n")));
    const auto* in = d.instance("VI_1");
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->change, Change::Updated);
    ASSERT_EQ(in->settings.size(), 1u);
    EXPECT_EQ(in->settings[0], "virtual_rule priority 50 from 198.18.0.100/32 table 100 removed");
}
