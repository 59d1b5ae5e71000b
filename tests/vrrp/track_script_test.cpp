#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "vrrp/track_script.hpp"

using namespace vrrp;
using namespace std::chrono_literals;

namespace {
// Runs the loop until `done()` or a generous deadline (the scripts are real processes).
template <class F>
bool run_until(boost::asio::io_context& io, F done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(20ms);
    return done();
}
}  // namespace

TEST(VrrpTrackScript, FirstFailureTakesTheScriptDownAtOnceWhateverFall) {
    boost::asio::io_context io;
    ScriptConfig c;
    c.name = "chk";
    c.argv = {"/bin/false"};
    c.interval = 10ms;
    c.timeout = 2000ms;
    c.fall = 3;
    TrackScript s(io, c);
    std::vector<uint64_t> runs_at_change;  // the run count each time the state flipped
    s.subscribe([&] { runs_at_change.push_back(s.runs()); });
    EXPECT_FALSE(s.reported());
    s.start();
    ASSERT_TRUE(run_until(io, [&] { return s.reported(); }));
    EXPECT_FALSE(s.up());
    EXPECT_EQ(runs_at_change, std::vector<uint64_t>{1}) << "the first result must decide";
    s.stop();
}

TEST(VrrpTrackScript, AfterAFirstSuccessItTakesFallFailuresToGoDown) {
    auto dir = std::filesystem::temp_directory_path() / ("vrrp-fall-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto count = dir / "runs";
    boost::asio::io_context io;
    ScriptConfig c;
    c.name = "chk";
    // Succeeds on its first run, fails on every later one.
    c.argv = {"/bin/sh", "-c", "echo x >> \"$0\"; [ $(wc -l < \"$0\") -eq 1 ]", count.string()};
    c.interval = 10ms;
    c.timeout = 2000ms;
    c.fall = 3;
    TrackScript s(io, c);
    std::vector<uint64_t> runs_at_change;
    s.subscribe([&] { runs_at_change.push_back(s.runs()); });
    s.start();
    ASSERT_TRUE(run_until(io, [&] { return runs_at_change.size() == 2; }));
    EXPECT_FALSE(s.up());
    EXPECT_EQ(runs_at_change, (std::vector<uint64_t>{1, 4})) << "up at the first success, down after `fall` failures";
    s.stop();
    std::filesystem::remove_all(dir);
}

TEST(VrrpTrackScript, ScriptSecurityRefusesWorldWritableScriptAndCountsItDown) {
    auto dir = std::filesystem::temp_directory_path() / ("vrrp-sec-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    auto path = dir / "check.sh";
    auto ran = dir / "ran";
    std::ofstream(path) << "#!/bin/sh\ntouch " << ran.string() << "\nexit 0\n";
    ::chmod(path.c_str(), 0777);

    boost::asio::io_context io;
    ScriptConfig c;
    c.name = "chk";
    c.argv = {path.string()};
    c.interval = 10ms;
    c.script_security = true;
    TrackScript s(io, c);
    s.start();
    ASSERT_TRUE(run_until(io, [&] { return s.reported(); }));
    EXPECT_NE(s.refused().find("refused by enable_script_security"), std::string::npos) << s.refused();
    EXPECT_FALSE(s.up());
    EXPECT_FALSE(std::filesystem::exists(ran)) << "an insecure script must never run";
    s.stop();
    std::filesystem::remove_all(dir);
}
