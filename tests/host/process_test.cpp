#include "host/process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tests/healthcheck/test_support.hpp"

using namespace host;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

ProcessResult run_sync(ProcessSpec spec, std::chrono::seconds limit = 10s) {
    boost::asio::io_context io;
    std::optional<ProcessResult> out;
    run_process(io, std::move(spec), [&](const ProcessResult& r) { out = r; });
    io.run_for(limit);
    EXPECT_TRUE(out.has_value()) << "process never reported";
    return out.value_or(ProcessResult{});
}

}  // namespace

TEST(Process, ReportsExitCode) {
    auto r = run_sync({{"/bin/sh", "-c", "exit 3"}, 5000ms, {}, {}});
    EXPECT_EQ(r.outcome, ProcessResult::Exited);
    EXPECT_EQ(r.code, 3);
    EXPECT_FALSE(r.success());
    EXPECT_TRUE(run_sync({{"true"}, 5000ms, {}, {}}).success());
}

TEST(Process, ReportsKillingSignal) {
    auto r = run_sync({{"/bin/sh", "-c", "kill -TERM $$"}, 5000ms, {}, {}});
    EXPECT_EQ(r.outcome, ProcessResult::Signalled);
    EXPECT_EQ(r.code, SIGTERM);
}

TEST(Process, MissingProgramIsSpawnFailure) {
    auto r = run_sync({{"/nonexistent/program"}, 5000ms, {}, {}});
    EXPECT_EQ(r.outcome, ProcessResult::SpawnFailed);
    EXPECT_NE(r.error.find("No such file"), std::string::npos) << r.error;
    auto r2 = run_sync({{"no-such-program-anywhere"}, 5000ms, {}, {}});
    EXPECT_EQ(r2.outcome, ProcessResult::SpawnFailed);
    auto r3 = run_sync({{"true"}, 5000ms, std::string("no-such-user-xyz"), {}});
    EXPECT_EQ(r3.outcome, ProcessResult::SpawnFailed);
    EXPECT_NE(r3.error.find("no-such-user-xyz"), std::string::npos);
}

TEST(Process, ArgumentsAreNotInterpretedByAShell) {
    testsupport::TempDir dir;
    std::string out = dir.path + "/out";
    // If a shell were involved, "$HOME" and ";" would be expanded/acted on.
    auto r = run_sync({{"/bin/sh", "-c", "printf '%s' \"$1\" > \"$2\"", "x", "$HOME; touch bad", out}, 5000ms, {}, {}});
    ASSERT_TRUE(r.success()) << r.describe();
    std::ifstream f(out);
    std::string content((std::istreambuf_iterator<char>(f)), {});
    EXPECT_EQ(content, "$HOME; touch bad");
    EXPECT_FALSE(fs::exists("bad"));
}

TEST(Process, TimeoutKillsTheWholeProcessGroup) {
    testsupport::TempDir dir;
    std::string pidfile = dir.path + "/grandchild.pid";
    // The script starts a grandchild that would outlive it, then hangs.
    auto start = std::chrono::steady_clock::now();
    auto r = run_sync({{"/bin/sh", "-c", "sleep 60 & echo $! > \"$0\"; wait", pidfile}, 300ms, {}, {}});
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.outcome, ProcessResult::TimedOut);
    EXPECT_LT(took, 5s);
    std::ifstream f(pidfile);
    pid_t grandchild = 0;
    f >> grandchild;
    ASSERT_GT(grandchild, 0);
    // The grandchild was reparented to init (or a subreaper); it must be gone (or a zombie) soon.
    EXPECT_TRUE(testsupport::poll_until([&] { return !testsupport::process_alive(grandchild); }, 5s))
        << "grandchild " << grandchild << " survived the timeout";
}

TEST(Process, RunningProcessDoesNotBlockTheEventLoop) {
    boost::asio::io_context io;
    boost::asio::steady_timer t(io);
    int ticks = 0;
    std::function<void()> tick = [&] {
        t.expires_after(20ms);
        t.async_wait([&](auto ec) {
            if (!ec && ++ticks < 1000) tick();
        });
    };
    tick();
    std::optional<ProcessResult> res;
    run_process(io, {{"sleep", "0.5"}, 5000ms, {}, {}}, [&](const ProcessResult& r) {
        res = r;
        t.cancel();
    });
    io.run_for(10s);
    ASSERT_TRUE(res);
    EXPECT_TRUE(res->success());
    EXPECT_GE(ticks, 10) << "timers must keep firing while the child runs";
}

TEST(Process, ManyConcurrentProcessesAllReport) {
    boost::asio::io_context io;
    int done = 0, ok = 0;
    for (int i = 0; i < 50; ++i)
        run_process(io, {{"/bin/sh", "-c", "exit $0", std::to_string(i % 2)}, 5000ms, {}, {}},
                    [&, i](const ProcessResult& r) {
                        ++done;
                        if (r.outcome == ProcessResult::Exited && r.code == i % 2) ++ok;
                    });
    io.run_for(20s);
    EXPECT_EQ(done, 50);
    EXPECT_EQ(ok, 50);
}

TEST(SplitCommandLine, HonoursQuotesAndEscapes) {
    auto v = split_command_line("/bin/check  'a b' \"c \\\"d\" e\\ f");
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, (std::vector<std::string>{"/bin/check", "a b", "c \"d", "e f"}));
    EXPECT_FALSE(split_command_line("/bin/x 'unterminated"));
}

TEST(ScriptSecurity, RefusesWorldWritableScriptAndDirectory) {
    testsupport::TempDir dir;
    std::string script = dir.path + "/s.sh";
    testsupport::write_file(script, "#!/bin/sh\nexit 0\n", 0755);
    chmod(dir.path.c_str(), 0755);
    // Trusted owner (the test user), nothing writable by others: acceptable.
    EXPECT_EQ(script_insecurity(script, geteuid()), std::nullopt);
    chmod(script.c_str(), 0757);
    auto r = script_insecurity(script, geteuid());
    ASSERT_TRUE(r);
    EXPECT_NE(r->find("writable by everyone"), std::string::npos) << *r;
    chmod(script.c_str(), 0755);
    chmod(dir.path.c_str(), 0777);
    r = script_insecurity(script, geteuid());
    ASSERT_TRUE(r);
    EXPECT_NE(r->find(dir.path), std::string::npos) << *r;
    chmod(dir.path.c_str(), 0755);
}

TEST(ScriptSecurity, RefusesScriptOwnedByAnUntrustedUser) {
    testsupport::TempDir dir;
    std::string script = dir.path + "/s.sh";
    testsupport::write_file(script, "#!/bin/sh\nexit 0\n", 0755);
    chmod(dir.path.c_str(), 0755);
    if (geteuid() == 0) {
        ASSERT_EQ(chown(script.c_str(), 65534, 65534), 0);
    }
    // Running as root (trusted_uid 0) a script owned by this non-root user is a privilege escalation.
    auto r = script_insecurity(script, 0);
    ASSERT_TRUE(r);
    EXPECT_NE(r->find("owned by uid"), std::string::npos) << *r;
}

TEST(ScriptSecurity, RefusesNonExecutableAndMissing) {
    testsupport::TempDir dir;
    std::string script = dir.path + "/s.sh";
    testsupport::write_file(script, "#!/bin/sh\n", 0644);
    EXPECT_TRUE(script_insecurity(script, geteuid()));
    EXPECT_TRUE(script_insecurity(dir.path + "/missing", geteuid()));
}

TEST(Process, RunsAsTheGivenUser) {
    if (geteuid() != 0) GTEST_SKIP() << "changing user needs root";
    testsupport::TempDir dir;
    chmod(dir.path.c_str(), 0777);
    std::string out = dir.path + "/id";
    auto r = run_sync({{"/bin/sh", "-c", "id -u > \"$0\"; id -g >> \"$0\"", out}, 5000ms, std::string("nobody"),
                       std::string("nogroup")});
    ASSERT_TRUE(r.success()) << r.describe();
    EXPECT_EQ(testsupport::read_file(out), "65534\n65534\n");
}

TEST(Process, ScriptsInheritOnlyStdinStdoutAndStderr) {
    testsupport::TempDir dir;
    chmod(dir.path.c_str(), 0755);
    // Descriptors a daemon holds without close-on-exec: a plain file and a listening socket.
    int file = ::open("/dev/null", O_RDONLY);
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(file, 3);
    ASSERT_GE(listener, 3);
    ASSERT_EQ(::listen(listener, 1), 0);
    std::string out = dir.path + "/fds";
    // Lists the descriptors still open after the listing itself closed its directory handle.
    const char* lister =
        "import os, sys\n"
        "fds = [f for f in os.listdir('/proc/self/fd') if os.path.exists('/proc/self/fd/' + f)]\n"
        "open(sys.argv[1], 'w').write(' '.join(sorted(fds, key=int)))\n";
    auto r = run_sync({{"/usr/bin/python3", "-c", lister, out}, 10000ms, {}, {}});
    ::close(file);
    ::close(listener);
    ASSERT_TRUE(r.success()) << r.describe();
    EXPECT_EQ(testsupport::read_file(out), "0 1 2");
}

namespace {
// A subdirectory of `dir` with exactly `mode` (the umask would otherwise decide).
void make_dir(const testsupport::TempDir& dir, const std::string& name, mode_t mode) {
    fs::create_directory(dir.path + "/" + name);
    chmod((dir.path + "/" + name).c_str(), mode);
}
}  // namespace

TEST(ScriptSecurity, SymlinkInADirectoryOthersCanWriteIsRefused) {
    testsupport::TempDir dir;
    chmod(dir.path.c_str(), 0755);
    make_dir(dir, "safe", 0755);
    make_dir(dir, "open", 0777);  // not sticky: anyone may replace the link
    std::string script = dir.path + "/safe/s.sh";
    testsupport::write_file(script, "#!/bin/sh\nexit 0\n", 0755);
    fs::create_symlink(script, dir.path + "/open/link");
    // The target alone is secure; the link it is reached through is not.
    EXPECT_EQ(script_insecurity(script, geteuid()), std::nullopt);
    auto r = script_insecurity(dir.path + "/open/link", geteuid());
    ASSERT_TRUE(r);
    EXPECT_NE(r->find(dir.path + "/open is writable by everyone"), std::string::npos) << *r;
    auto sp = secure_program(dir.path + "/open/link", geteuid());
    EXPECT_TRUE(sp.resolved.empty());
}

TEST(ScriptSecurity, ARepointedSymlinkIsCaughtAtTheNextRun) {
    testsupport::TempDir dir;
    chmod(dir.path.c_str(), 0755);
    std::string good = dir.path + "/good.sh", bad = dir.path + "/bad.sh", link = dir.path + "/check";
    testsupport::write_file(good, "#!/bin/sh\nexit 0\n", 0755);
    testsupport::write_file(bad, "#!/bin/sh\nexit 0\n", 0757);  // anyone may rewrite it
    fs::create_symlink(good, link);
    ProcessSpec spec{{link}, 5000ms, {}, {}, /*secure=*/true};
    auto first = run_sync(spec);
    ASSERT_TRUE(first.success()) << first.describe();
    EXPECT_EQ(secure_program(link, geteuid()).resolved, good);  // what runs is the checked file

    fs::remove(link);
    fs::create_symlink(bad, link);
    auto second = run_sync(spec);
    EXPECT_EQ(second.outcome, ProcessResult::SpawnFailed);
    EXPECT_NE(second.error.find("refused by enable_script_security: " + bad + " is writable by everyone"),
              std::string::npos)
        << second.error;
}

TEST(ScriptSecurity, RelativeLinksAndDotDotResolveToTheCheckedFile) {
    testsupport::TempDir dir;
    chmod(dir.path.c_str(), 0755);
    make_dir(dir, "bin", 0755);
    make_dir(dir, "libexec", 0755);
    testsupport::write_file(dir.path + "/libexec/real.sh", "#!/bin/sh\nexit 0\n", 0755);
    fs::create_symlink("../libexec/./real.sh", dir.path + "/bin/check");
    auto sp = secure_program(dir.path + "/bin/check", geteuid());
    EXPECT_FALSE(sp.why) << *sp.why;
    EXPECT_EQ(sp.resolved, dir.path + "/libexec/real.sh");
}
