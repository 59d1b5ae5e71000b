// What a config needs in descriptors, and when that is worth a warning.
#include <gtest/gtest.h>

#include "config_text.hpp"
#include "director/open_files_budget.hpp"

using namespace director;

namespace {

// `n` real servers, each with `checker` (a checker block), in one virtual_server with delay_loop 10.
std::string servers_with(int n, const std::string& checker) {
    std::string s = "virtual_server 198.18.0.100 80 {\n  delay_loop 10\n  lb_kind NAT\n  protocol TCP\n";
    for (int i = 0; i < n; ++i)
        s += "  real_server 198.18.1." + std::to_string(i + 1) + " 8080 {\n" + checker + "  }\n";
    return s + "}\n";
}

const std::string kHttp = "    HTTP_GET {\n      url {\n        path /\n      }\n      connect_timeout 2\n    }\n";

}  // namespace

TEST(OpenFilesBudget, EachKeepAliveHttpCheckerHoldsOneDescriptor) {
    auto need = open_files_needed(testsupport::load_ok(servers_with(100, kHttp)));
    EXPECT_EQ(need.kept, 100u);
    EXPECT_EQ(need.transient, 0u);
    EXPECT_EQ(need.daemon, kDaemonDescriptors);
    EXPECT_EQ(need.total(), 100u + kDaemonDescriptors);
}

TEST(OpenFilesBudget, CheckersWithoutAKeptConnectionCountForTheirShareOfTheDelayLoop) {
    // connect_timeout 2 of delay_loop 10: 100 checkers hold a descriptor a fifth of the time each
    auto tcp = open_files_needed(testsupport::load_ok(servers_with(100, "    TCP_CHECK {\n      connect_timeout 2\n    }\n")));
    EXPECT_EQ(tcp.kept, 0u);
    EXPECT_EQ(tcp.transient, 20u);
    // keepalive_requests 1 and http_protocol 1.0C turn keep-alive off: the same share
    const std::string no_keepalive = "    HTTP_GET {\n      url {\n        path /\n      }\n      connect_timeout 2\n"
                                     "      keepalive_requests 1\n    }\n";
    auto http = open_files_needed(testsupport::load_ok(servers_with(100, no_keepalive)));
    EXPECT_EQ(http.kept, 0u);
    EXPECT_EQ(http.transient, 20u);
    const std::string close = "    HTTP_GET {\n      url {\n        path /\n      }\n      connect_timeout 2\n"
                              "      http_protocol 1.0C\n    }\n";
    EXPECT_EQ(open_files_needed(testsupport::load_ok(servers_with(100, close))).kept, 0u);
    // a share rounds up: three checkers at a fifth each still need one descriptor
    EXPECT_EQ(open_files_needed(testsupport::load_ok(servers_with(3, "    TCP_CHECK {\n      connect_timeout 2\n    }\n")))
                  .transient,
              1u);
    // a timeout longer than the delay_loop cannot hold more than one per checker
    EXPECT_EQ(open_files_needed(testsupport::load_ok(servers_with(7, "    TCP_CHECK {\n      connect_timeout 30\n    }\n")))
                  .transient,
              7u);
}

TEST(OpenFilesBudget, MiscCheckHoldsAPipeAndAProcessHandleWhileItRuns) {
    auto need = open_files_needed(
        testsupport::load_ok(servers_with(10, "    MISC_CHECK {\n      misc_path /bin/true\n      misc_timeout 5\n    }\n")));
    EXPECT_EQ(need.transient, 10u);  // 10 x 2 descriptors x 5 s of 10 s
}

TEST(OpenFilesBudget, VrrpInstancesAddToTheDaemonsOwn) {
    auto cfg = testsupport::load_ok(
        "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    198.18.0.10\n  }\n}\n"
        "vrrp_instance B {\n  interface eth0\n  virtual_router_id 2\n  priority 100\n  virtual_ipaddress {\n    198.18.0.11\n  }\n}\n");
    EXPECT_EQ(open_files_needed(cfg).daemon, kDaemonDescriptors + 2 * kDescriptorsPerVrrpInstance);
}

TEST(OpenFilesBudget, WarningOnlyBelowTheNeedAndItNamesTheNumbersAndTheFixes) {
    auto need = open_files_needed(testsupport::load_ok(servers_with(100, kHttp)));
    EXPECT_EQ(open_files_warning(need, need.total()), "");
    EXPECT_EQ(open_files_warning(need, 1u << 20), "");
    auto w = open_files_warning(need, 64);
    EXPECT_NE(w.find("open files limit 64 "), std::string::npos) << w;
    EXPECT_NE(w.find(std::to_string(need.total()) + " descriptors"), std::string::npos) << w;
    EXPECT_NE(w.find("100 kept by keep-alive"), std::string::npos) << w;
    EXPECT_NE(w.find("LimitNOFILE="), std::string::npos) << w;
    EXPECT_NE(w.find("keepalive_requests 1"), std::string::npos) << w;
}
