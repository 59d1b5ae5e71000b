// The state directory: maintenance and drains survive a new StateStore (a restart), every write replaces the
// file whole, a damaged file is reported instead of trusted, and two directors cannot share one directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "director/state/state_store.hpp"
#include "temp_dir.hpp"

using director::state::drain_key;
using director::state::parse_state;
using director::state::Persisted;
using director::state::serialize_state;
using director::state::StateStore;

namespace {
std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST(StateStore, MaintenanceAndDrainsSurviveARestart) {
    director::testing::TempDir tmp;
    auto dir = tmp.path() / "state";
    {
        StateStore s(dir);
        EXPECT_TRUE(s.load_error().empty());
        EXPECT_TRUE(s.set_maintenance("VI_1", true));
        EXPECT_FALSE(s.set_maintenance("VI_1", true));  // idempotent
        EXPECT_TRUE(s.set_drained(drain_key("198.18.0.100:6443", "198.18.1.1:6443"), true));
    }
    StateStore again(dir);
    EXPECT_TRUE(again.load_error().empty()) << again.load_error();
    EXPECT_EQ(again.get().maintenance.count("VI_1"), 1u);
    EXPECT_EQ(again.get().drained.count("198.18.1.1:6443 in 198.18.0.100:6443"), 1u);
    EXPECT_TRUE(again.set_maintenance("VI_1", false));
    EXPECT_TRUE(again.get().maintenance.empty());
}

TEST(StateStore, FileIsPrivateAndNoTemporaryFileIsLeft) {
    director::testing::TempDir tmp;
    StateStore s(tmp.path());
    s.set_maintenance("VI_1", true);
    struct stat st {};
    ASSERT_EQ(::stat(s.file().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
        EXPECT_TRUE(e.path().filename() == "state.json" || e.path().filename() == "lock") << e.path();
    EXPECT_EQ(parse_state(slurp(s.file())), s.get());
}

TEST(StateStore, DamagedFileIsReportedAndNotTrusted) {
    director::testing::TempDir tmp;
    std::ofstream(tmp.path() / "state.json") << "{\"format\": 1, \"maintenance\": {\"VI_1\": ";  // cut short
    StateStore s(tmp.path());
    EXPECT_NE(s.load_error().find("state.json"), std::string::npos) << s.load_error();
    EXPECT_NE(s.load_error().find("not JSON"), std::string::npos) << s.load_error();
    // A write repairs it.
    EXPECT_TRUE(s.set_maintenance("VI_1", false));
    EXPECT_TRUE(s.load_error().empty());
}

TEST(StateStore, UnknownFormatAndWrongTypesAreErrors) {
    EXPECT_THROW(parse_state("[]"), std::runtime_error);
    EXPECT_THROW(parse_state("{\"format\": 2}"), std::runtime_error);
    EXPECT_THROW(parse_state("{\"format\": 1, \"maintenance\": []}"), std::runtime_error);
    EXPECT_THROW(parse_state("{\"format\": 1, \"drained\": {\"x\": \"yesterday\"}}"), std::runtime_error);
    Persisted p;
    p.maintenance["VI_1"] = 1700000000;
    p.drained["198.18.1.1:6443"] = 1700000001;
    EXPECT_EQ(parse_state(serialize_state(p)), p);
}

TEST(StateStore, SecondDirectorOnTheSameDirectoryIsRefused) {
    director::testing::TempDir tmp;
    StateStore first(tmp.path());
    try {
        StateStore second(tmp.path());
        FAIL() << "a second store on the same directory was allowed";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("--state-dir"), std::string::npos) << e.what();
    }
}

TEST(StateStore, WriteFailureLeavesTheStateAsItWas) {
    director::testing::TempDir tmp;
    StateStore s(tmp.path());
    s.set_maintenance("VI_1", true);
    // Something that cannot be replaced by a rename, even by root: a non-empty directory at the file's path.
    std::filesystem::remove(s.file());
    std::filesystem::create_directories(s.file() / "x");
    EXPECT_THROW(s.set_maintenance("VI_2", true), std::runtime_error);
    EXPECT_EQ(s.get().maintenance.count("VI_2"), 0u);
    EXPECT_EQ(s.get().maintenance.count("VI_1"), 1u);
    for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
        EXPECT_EQ(e.path().filename().string().rfind(".state.json", 0), std::string::npos) << "temp file left";
}
