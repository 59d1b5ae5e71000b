// `director status`'s short view, the --verbose tree and SIGUSR2's counters, from status documents
// shaped like Daemon::status().
#include <gtest/gtest.h>

#include <sstream>

#include "director/status_view.hpp"

using namespace director;
using nlohmann::json;

namespace {

json instance(const char* state, int prio, int effective, const char* master) {
    return {{"name", "VI_1"},
            {"state", state},
            {"priority", prio},
            {"effective_priority", effective},
            {"address", "198.18.0.1"},
            {"master", master ? json(master) : json(nullptr)},
            {"vips", {"198.18.0.100/24 dev eth0"}},
            {"adverts_sent", 12},
            {"adverts_received", 0},
            {"garps_sent", 5},
            {"address_mismatch", 0},
            {"dropped", {{"auth_password", 0}}},
            {"tracked", json::array()}};
}

json real_server(const char* addr, const char* state) {
    return {{"address", addr}, {"state", state}, {"weight", 1}, {"checkers", json::array()}};
}

json document() {
    json lvs = {{"kernel", "connected"},
                {"services", json::array()},
                {"counters", {{"reconciles", 7}, {"drift_repairs", 0}, {"kernel_errors", 0}, {"op_failures", 0}}},
                {"membership",
                 {{{"virtual_server", "10.120.100.100 6443"},
                   {"sorry_server_active", false},
                   {"real_servers",
                    {real_server("10.120.100.6:6443", "up"), real_server("10.120.100.3:6443", "draining"),
                     real_server("10.120.100.5:6443", "up")}}}}}};
    return {{"pid", 4242},
            {"version", "0.1.0"},
            {"config", "/etc/director/director.conf"},
            {"uptime_s", 3725.0},
            {"internal_errors", 0},
            {"signals", {{"SIGUSR1", 2}}},
            {"control_socket", {{"accepted", 3}, {"served", 3}, {"refused_peer", 1}, {"limits", {{"max_clients", 32}}}}},
            {"vrrp", {{"instances", {instance("MASTER", 110, 110, "198.18.0.1")}}, {"scripts", json::array()}}},
            {"lvs", lvs}};
}

std::vector<std::string> summary_lines(const json& j) {
    std::ostringstream out;
    render_summary(j, out);
    std::vector<std::string> lines;
    std::istringstream in(out.str());
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

}  // namespace

TEST(StatusView, SummaryIsOneLinePerInstanceAndVirtualServer) {
    auto doc = document();
    doc["vrrp"]["instances"][0]["vips_held"] = {"198.18.0.100/24 dev eth0"};
    auto lines = summary_lines(doc);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "director 0.1.0, pid 4242, up 1h02m, config /etc/director/director.conf");
    EXPECT_EQ(lines[1],
              "vrrp_instance VI_1: MASTER, priority 110/110, VIPs held 1/1, master 198.18.0.1 (this node)");
    EXPECT_EQ(lines[2], "virtual_server 10.120.100.100 6443: real servers 2/3 up");
}

TEST(StatusView, SyncGroupsAndTrackFilesGetALineEach) {
    auto doc = document();
    doc["vrrp"]["sync_groups"] = {{{"name", "NAT"}, {"state", "FAULT"}, {"members", {"VI_1", "VI_2"}}}};
    doc["vrrp"]["track_files"] = {{{"name", "drain"}, {"file", "/run/director/drain"}, {"value", -100}}};
    auto lines = summary_lines(doc);
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_EQ(lines[2], "vrrp_sync_group NAT: FAULT (VI_1, VI_2)");
    EXPECT_EQ(lines[3], "track_file drain: -100 in /run/director/drain");
}

TEST(StatusView, BackupWithoutVipsHeldShowsConfiguredVipsAndThePeer) {
    auto doc = document();
    doc["vrrp"]["instances"][0] = instance("BACKUP", 110, 90, "198.18.0.2");
    doc["vrrp"]["instances"][0]["last_error"] = "eth0: no such interface";
    auto lines = summary_lines(doc);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[1], "vrrp_instance VI_1: BACKUP, priority 90/110, VIPs configured 1, master 198.18.0.2");
    EXPECT_EQ(lines[2], "  error: eth0: no such interface");
}

TEST(StatusView, WithoutHealthChecksTheKernelTableCountsRealServers) {
    auto doc = document();
    doc["lvs"].erase("membership");
    json destinations = json::array({json{{"weight", 1}}, json{{"weight", 0}}});
    doc["lvs"]["services"] = json::array(
        {json{{"protocol", "TCP"}, {"address", "10.120.100.100"}, {"port", 6443}, {"destinations", destinations}}});
    doc["internal_errors"] = 2;
    doc["last_internal_error"] = "boom";
    auto lines = summary_lines(doc);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[2], "virtual_server 10.120.100.100 6443 TCP: real servers 1/2 up");
    EXPECT_EQ(lines[3], "internal errors: 2 (last: boom)");
}

TEST(StatusView, HealthChecksGetALineWithTheLatestStartAndTheLateOnes) {
    auto doc = document();
    doc["lvs"]["health_checks"] = {{"checkers", 3},           {"checks", 120},    {"failed", 4},
                                   {"starts", 130},           {"late_starts", 2}, {"start_delay_max_ms", 5012.34},
                                   {"start_delay_sum_s", 9.5}, {"start_delay_buckets", json::array()}};
    auto lines = summary_lines(doc);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[2], "virtual_server 10.120.100.100 6443: real servers 2/3 up");
    EXPECT_EQ(lines[3],
              "health checks: 3 checkers, 120 checks (4 failed), latest start 5012.3 ms after due, 2 of 130 starts later "
              "than connect_timeout");
    auto c = counters_view(doc);
    EXPECT_EQ(c["health_checks"]["late_starts"], 2);
    EXPECT_FALSE(c["health_checks"].contains("start_delay_buckets"));
}

TEST(StatusView, SummaryToleratesAnEmptyDocument) {
    auto lines = summary_lines(json::object());
    ASSERT_EQ(lines.size(), 1u);
}

TEST(StatusView, VerboseTreeShowsEveryField) {
    std::ostringstream out;
    render_tree(document(), out);
    auto text = out.str();
    EXPECT_NE(text.find("    adverts_sent: 12\n"), std::string::npos) << text;
    EXPECT_NE(text.find("control_socket:\n  accepted: 3\n"), std::string::npos) << text;
}

TEST(StatusView, CountersHoldCountsOnly) {
    auto c = counters_view(document());
    EXPECT_EQ(c["signals"]["SIGUSR1"], 2);
    EXPECT_EQ(c["control_socket"]["refused_peer"], 1);
    EXPECT_FALSE(c["control_socket"].contains("limits"));
    EXPECT_EQ(c["vrrp"]["instances"][0]["adverts_sent"], 12);
    EXPECT_FALSE(c["vrrp"]["instances"][0].contains("state"));
    EXPECT_EQ(c["lvs"]["reconciles"], 7);
}

TEST(StatusView, AGroupIsNamedOnItsServicesAndInItsMembershipLine) {
    auto doc = document();
    doc["lvs"]["membership"][0]["virtual_server"] = "TCP group K";
    doc["lvs"]["membership"][0]["group"] = "K";
    doc["lvs"]["membership"][0]["services"] = 4;
    EXPECT_EQ(summary_lines(doc)[2], "virtual_server TCP group K (4 services): real servers 2/3 up");

    doc["lvs"].erase("membership");
    doc["lvs"]["services"] = json::array({json{{"protocol", "TCP"}, {"address", "198.18.0.100"}, {"port", 80},
                                               {"group", "K"}, {"destinations", json::array({json{{"weight", 1}}})}},
                                          json{{"fwmark", 7}, {"group", "K"}, {"destinations", json::array()}}});
    auto lines = summary_lines(doc);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[2], "virtual_server 198.18.0.100 80 TCP (group K): real servers 1/1 up");
    EXPECT_EQ(lines[3], "virtual_server fwmark 7 (group K): real servers 0/0 up");
}
