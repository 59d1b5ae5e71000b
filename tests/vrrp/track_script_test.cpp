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

TEST(VrrpTrackScript, FailingScriptGoesDownAfterFallAndTellsSubscribers) {
    boost::asio::io_context io;
    ScriptConfig c;
    c.name = "chk";
    c.argv = {"/bin/false"};
    c.interval = 10ms;
    c.timeout = 2000ms;
    c.fall = 3;
    TrackScript s(io, c);
    int changes = 0;
    s.subscribe([&] { ++changes; });
    s.start();
    ASSERT_TRUE(run_until(io, [&] { return !s.up(); }));
    EXPECT_EQ(changes, 1);
    EXPECT_GE(s.runs(), 3u) << "went down before `fall` failures";
    EXPECT_EQ(s.failures(), s.runs());
    s.stop();
}

TEST(VrrpTrackScript, ScriptSecurityRefusesWorldWritableScript) {
    auto dir = std::filesystem::temp_directory_path() / ("vrrp-sec-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    auto path = dir / "check.sh";
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    ::chmod(path.c_str(), 0777);

    boost::asio::io_context io;
    ScriptConfig c;
    c.name = "chk";
    c.argv = {path.string()};
    c.interval = 10ms;
    c.script_security = true;
    TrackScript s(io, c);
    s.start();
    io.run_for(200ms);
    EXPECT_FALSE(s.refused().empty());
    EXPECT_EQ(s.runs(), 0u) << "an insecure script must never run";
    std::filesystem::remove_all(dir);
}
