// MISC_CHECK: real scripts, exit codes, misc_dynamic weights, timeouts.
#include <gtest/gtest.h>

#include "healthcheck/exec_checker.hpp"
#include "tests/healthcheck/checker_harness.hpp"
#include "tests/healthcheck/test_support.hpp"

using namespace healthcheck;
using namespace std::chrono_literals;

namespace {
CheckResult misc(const std::string& shell, bool dynamic, int timeout_ms = 2000) {
    boost::asio::io_context io;
    ExecTarget t{{"/bin/sh", "-c", shell}, {}, {}, dynamic};
    auto c = std::make_shared<ExecChecker>(io, testsupport::fast_policy(timeout_ms), t);
    auto r = testsupport::collect(io, c, 1);
    EXPECT_EQ(r.size(), 1u);
    return r.empty() ? CheckResult{} : r[0].last;
}
}  // namespace

TEST(MiscCheck, ExitZeroPassesOtherCodesFail) {
    EXPECT_TRUE(misc("exit 0", false).ok);
    auto r = misc("exit 1", false);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, "exit 1");
    EXPECT_FALSE(misc("exit 7", false).ok) << "without misc_dynamic any non-zero exit fails";
}

TEST(MiscCheck, DynamicExitCodesSetTheWeight) {
    auto zero = misc("exit 0", true);
    EXPECT_TRUE(zero.ok);
    EXPECT_FALSE(zero.weight) << "exit 0 keeps the configured weight";
    EXPECT_FALSE(misc("exit 1", true).ok);
    auto w0 = misc("exit 2", true);
    EXPECT_TRUE(w0.ok);
    EXPECT_EQ(w0.weight, 0);
    auto w = misc("exit 12", true);
    EXPECT_TRUE(w.ok);
    EXPECT_EQ(w.weight, 10);
    EXPECT_EQ(misc("exit 255", true).weight, 253);
}

TEST(MiscCheck, ScriptTimeoutFailsAndKillsItsChildren) {
    testsupport::TempDir d;
    std::string pidfile = d.path + "/pid";
    auto r = misc("sleep 30 & echo $! > " + pidfile + "; wait", false, 300);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason.rfind("timed out after", 0), 0u) << r.reason;
    EXPECT_LT(r.latency, 2s);
    pid_t child = std::stoi(testsupport::read_file(pidfile));
    EXPECT_TRUE(testsupport::poll_until([&] { return !testsupport::process_alive(child); }, 5s));
}

TEST(MiscCheck, MissingScriptFailsWithReason) {
    boost::asio::io_context io;
    ExecTarget t{{"/nonexistent/check.sh"}, {}, {}, false};
    auto c = std::make_shared<ExecChecker>(io, testsupport::fast_policy(), t);
    auto r = testsupport::collect(io, c, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_FALSE(r[0].last.ok);
    EXPECT_NE(r[0].last.reason.find("could not run"), std::string::npos) << r[0].last.reason;
}

TEST(MiscCheck, RiseAndFallApplyToScripts) {
    // The script's result flips according to a state file: fail, fail, pass, pass, pass.
    testsupport::TempDir d;
    std::string counter = d.path + "/n";
    testsupport::write_file(counter, "0");
    std::string sh = "n=$(cat " + counter + "); echo $((n+1)) > " + counter + "; [ $n -ge 2 ]";
    boost::asio::io_context io;
    Policy p = testsupport::fast_policy();
    p.rise = 2;
    p.fall = 2;
    p.start_up = false;
    auto c = std::make_shared<ExecChecker>(io, p, ExecTarget{{"/bin/sh", "-c", sh}, {}, {}, false});
    auto r = testsupport::collect(io, c, 5);
    ASSERT_EQ(r.size(), 5u);
    std::string states;
    for (auto& x : r) states += x.up ? 'U' : 'D';
    EXPECT_EQ(states, "DDDUU");
}
