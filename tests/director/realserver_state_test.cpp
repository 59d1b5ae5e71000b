// The realserver state file (what `up` saved for `down`) and the sysctl reader/writer, against a
// scratch directory standing in for /proc/sys.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "director/realserver/state.hpp"
#include "director/realserver/sysctl.hpp"
#include "tests/director/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace director::realserver;

namespace {
using director::testing::TempDir;
}  // namespace

TEST(RealServerState, SavedValuesRoundTripPerVip) {
    TempDir dir;
    StateStore store(dir.path() / "run/director");  // created on first save
    EXPECT_FALSE(store.load("10.0.0.1"));
    State s{"10.0.0.1", "lo", {{{"all", "arp_ignore"}, "0"}, {{"lo", "arp_announce"}, "1"}}};
    store.save(s);
    EXPECT_EQ(store.path_for("10.0.0.1"), dir.path() / "run/director/realserver-10.0.0.1.json");
    auto back = store.load("10.0.0.1");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->vip, "10.0.0.1");
    EXPECT_EQ(back->dev, "lo");
    ASSERT_EQ(back->saved.size(), 2u);
    EXPECT_EQ(back->saved[1].key, (ConfKey{"lo", "arp_announce"}));
    EXPECT_EQ(back->saved[1].value, "1");
    store.remove("10.0.0.1");
    EXPECT_FALSE(store.load("10.0.0.1"));
}

TEST(RealServerState, OthersListsOnlyOtherVipsStates) {
    TempDir dir;
    StateStore store(dir.path());
    store.save({"10.0.0.1", "lo", {}});
    store.save({"10.0.0.2", "lo", {}});
    std::ofstream(dir.path() / "unrelated.json") << "{}";
    auto others = store.others("10.0.0.1");
    ASSERT_EQ(others.size(), 1u);
    EXPECT_EQ(others[0].vip, "10.0.0.2");
}

TEST(RealServerState, MalformedStateFileIsAnErrorNamingTheFile) {
    TempDir dir;
    StateStore store(dir.path());
    std::ofstream(store.path_for("10.0.0.1")) << "{\"vip\": 3";
    try {
        store.load("10.0.0.1");
        FAIL() << "malformed state accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(store.path_for("10.0.0.1").string()), std::string::npos) << e.what();
    }
}

TEST(RealServerSysctl, ReadsTrimmedValuesAndWritesByDeviceWithDots) {
    TempDir root;
    fs::create_directories(root.path() / "net/ipv4/conf/eth0.100");
    std::ofstream(root.path() / "net/ipv4/conf/eth0.100/arp_ignore") << "0\n";
    Sysctl sysctl(root.path());
    ConfKey key{"eth0.100", "arp_ignore"};
    EXPECT_EQ(key.str(), "net.ipv4.conf.eth0.100.arp_ignore");
    EXPECT_TRUE(sysctl.has_dev("eth0.100"));
    EXPECT_FALSE(sysctl.has_dev("eth1"));
    EXPECT_FALSE(sysctl.has_dev("../conf"));
    EXPECT_EQ(sysctl.read(key), "0");
    sysctl.write(key, "1");
    EXPECT_EQ(sysctl.read(key), "1");
    EXPECT_FALSE(sysctl.read({"eth1", "arp_ignore"}));
    EXPECT_THROW(sysctl.write({"eth1", "arp_ignore"}, "1"), std::runtime_error);
}
