// How `director status` shows virtual_routes / virtual_rules of an instance and the static component.
#include <gtest/gtest.h>

#include <sstream>

#include "director/status_view.hpp"

using namespace director;
using nlohmann::json;

namespace {

std::string summary(const json& j) {
    std::ostringstream out;
    render_summary(j, out);
    return out.str();
}

json with_instance(json extra) {
    json in = {{"name", "VI_1"}, {"state", "BACKUP"}, {"priority", 100}, {"effective_priority", 100},
               {"address", "198.18.0.2"}, {"master", "198.18.0.1"}, {"vips", {"198.18.0.100/24 dev eth0"}},
               {"vips_held", json::array()}};
    in.update(extra);
    return {{"pid", 1}, {"version", "t"}, {"vrrp", {{"instances", {in}}, {"scripts", json::array()}}}};
}

}  // namespace

TEST(RouteStatusView, InstanceLineCountsVirtualRoutesAndRulesHeld) {
    auto s = summary(with_instance({{"virtual_routes", {"198.19.10.0/24 via 198.18.0.254 table 100", "blackhole 198.19.11.0/24"}},
                                    {"virtual_routes_held", json::array()},
                                    {"virtual_rules", {"priority 1000 from 198.18.0.100/32 table 100"}},
                                    {"virtual_rules_held", {"priority 1000 from 198.18.0.100/32 table 100"}}}));
    EXPECT_NE(s.find("VIPs held 0/1, virtual_routes held 0/2, virtual_rules held 1/1, master 198.18.0.1"),
              std::string::npos)
        << s;
}

TEST(RouteStatusView, InstanceWithoutVirtualRoutesSaysNothingAboutThem) {
    auto s = summary(with_instance(json::object()));
    EXPECT_EQ(s.find("virtual_routes"), std::string::npos) << s;
}

TEST(RouteStatusView, StaticComponentCountsEntriesInPlaceAndNamesTheMissingOnes) {
    json doc = with_instance(json::object());
    doc["static"] = {{"addresses", {{{"entry", "198.18.50.1/24 dev eth0"}, {"held", true}}}},
                     {"routes",
                      {{{"entry", "198.19.20.0/24 via 198.18.50.254 table 200"}, {"held", true}},
                       {{"entry", "198.19.21.0/24 via 198.18.99.1"}, {"held", false}}}},
                     {"rules", json::array()},
                     {"last_error", "adding static route 198.19.21.0/24 via 198.18.99.1: Network is unreachable"}};
    auto s = summary(doc);
    EXPECT_NE(s.find("static: addresses 1/1 in place, routes 1/2 in place\n"), std::string::npos) << s;
    EXPECT_NE(s.find("  not in place: 198.19.21.0/24 via 198.18.99.1\n"), std::string::npos) << s;
    EXPECT_NE(s.find("  error: adding static route"), std::string::npos) << s;
}
