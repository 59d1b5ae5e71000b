#include "host/sysctl.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/healthcheck/test_support.hpp"

using namespace host;
namespace fs = std::filesystem;

namespace {

struct SysctlRoot {
    testsupport::TempDir dir;
    std::string put(const std::string& rel, const std::string& content) {
        fs::path p = fs::path(dir.path) / rel;
        fs::create_directories(p.parent_path());
        testsupport::write_file(p.string(), content);
        return p.string();
    }
};

}  // namespace

TEST(Sysctl, DottedNamesMapToPaths) {
    EXPECT_EQ(sysctl_path("net.ipv4.vs.conntrack"), "/proc/sys/net/ipv4/vs/conntrack");
    EXPECT_EQ(sysctl_path("net.ipv4.ip_forward", "/tmp/x"), "/tmp/x/net/ipv4/ip_forward");
}

TEST(Sysctl, ReadsTheFirstLineWithoutTrailingBlanks) {
    SysctlRoot root;
    EXPECT_EQ(read_sysctl(root.put("a", "1\n")), "1");
    EXPECT_EQ(read_sysctl(root.put("b", "2 \t\nsecond line\n")), "2");
    EXPECT_EQ(read_sysctl(root.put("c", "32768\t60999\n")), "32768\t60999");
    EXPECT_EQ(read_sysctl(root.put("d", "")), "");
    EXPECT_FALSE(read_sysctl(root.dir.path + "/missing"));
}

TEST(Sysctl, WritesValueAndNewline) {
    SysctlRoot root;
    auto p = root.put("net/ipv4/ip_forward", "0\n");
    EXPECT_TRUE(write_sysctl(p, "1"));
    EXPECT_EQ(testsupport::read_file(p), "1\n");
    EXPECT_FALSE(write_sysctl(root.dir.path + "/no/such/dir/file", "1"));
}

TEST(Sysctl, EnsureChangesOnlyWhenDifferent) {
    SysctlRoot root;
    auto p = root.put("net/ipv4/ip_forward", "0\n");
    auto r = ensure_sysctl("net.ipv4.ip_forward", "1", root.dir.path);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(r.old_value, "0");
    EXPECT_EQ(testsupport::read_file(p), "1\n");

    r = ensure_sysctl("net.ipv4.ip_forward", "1", root.dir.path);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_FALSE(r.changed);
    EXPECT_EQ(r.old_value, "1");
}

TEST(Sysctl, EnsureReportsAMissingKey) {
    SysctlRoot root;
    auto r = ensure_sysctl("net.ipv4.vs.conntrack", "1", root.dir.path);
    EXPECT_FALSE(r.changed);
    EXPECT_EQ(r.error.rfind("cannot read " + root.dir.path + "/net/ipv4/vs/conntrack: ", 0), 0u) << r.error;
}
