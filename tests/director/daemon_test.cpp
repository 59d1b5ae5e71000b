#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "director/control_socket.hpp"
#include "director/daemon.hpp"
#include "tests/director/temp_dir.hpp"

using namespace director;
namespace fs = std::filesystem;
using director::testing::TempDir;

namespace {

config::Config empty_config() {
    config::Diagnostics d;
    auto cfg = config::load_text("global_defs {\n router_id t\n}\n", "t.conf", d);
    EXPECT_TRUE(d.ok());
    return cfg;
}

nlohmann::json poll_status(const std::string& sock) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
        try {
            return control_request(sock, "status");
        } catch (const std::exception&) {
            if (std::chrono::steady_clock::now() > deadline) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
}

DaemonOptions options_in(const TempDir& dir) {
    DaemonOptions opts;
    opts.pid_file = (dir.path() / "d.pid").string();
    opts.control_socket = (dir.path() / "d.sock").string();
    // Never the default /var/lib/director: tests run in parallel (its lock admits one daemon) and without root.
    opts.state_dir = (dir.path() / "state").string();
    return opts;
}

// The daemon's signal_set installs process-wide handlers, so a signal sent to this process reaches it
// whichever thread the kernel picks, and does not kill the test.
std::future<int> start_daemon(const DaemonOptions& opts) {
    auto done = std::async(std::launch::async, [opts] {
        Daemon d(empty_config(), opts);
        return d.run();
    });
    poll_status(opts.control_socket);
    return done;
}

void stop_daemon(std::future<int>& done) {
    ::kill(::getpid(), SIGTERM);
    ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(done.get(), 0);
}

}  // namespace

TEST(Daemon, AnswersStatusOnItsSocketAndCleansUpOnSigterm) {
    TempDir dir;
    DaemonOptions opts = options_in(dir);
    auto done = std::async(std::launch::async, [&] {
        Daemon d(empty_config(), opts);
        return d.run();
    });
    auto status = poll_status(opts.control_socket);
    EXPECT_EQ(status["pid"], ::getpid());
    EXPECT_EQ(status["config"], "t.conf");
    EXPECT_EQ(control_request(opts.control_socket, "bogus").contains("error"), true);

    // A second daemon on the same pid file refuses to start rather than fighting over the VIP.
    Daemon second(empty_config(), opts);
    EXPECT_THROW(second.run(), std::runtime_error);

    ::kill(::getpid(), SIGTERM);
    ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(done.get(), 0);
    EXPECT_FALSE(fs::exists(opts.pid_file));
    EXPECT_FALSE(fs::exists(opts.control_socket));
}

TEST(ControlSocket, UnreachableDaemonIsAnErrorNamingTheSocket) {
    try {
        control_request("/nonexistent/director.sock", "status");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/director.sock"), std::string::npos);
    }
}

TEST(Daemon, SignalsWhoseDefaultWouldKillItAreHandledAndCounted) {
    TempDir dir;
    DaemonOptions opts = options_in(dir);
    auto done = start_daemon(opts);
    const std::vector<std::pair<int, const char*>> sent = {
        {SIGHUP, "SIGHUP"},   {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},     {SIGPIPE, "SIGPIPE"},
        {SIGALRM, "SIGALRM"}, {SIGXFSZ, "SIGXFSZ"}, {SIGVTALRM, "SIGVTALRM"}, {SIGRTMIN + 2, "SIGRTMIN+2"}};
    for (const auto& [signo, name] : sent) {
        ::kill(::getpid(), signo);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        nlohmann::json s;
        do {
            s = poll_status(opts.control_socket);
        } while (!s["signals"].contains(name) && std::chrono::steady_clock::now() < deadline);
        EXPECT_EQ(s["signals"].value(name, 0), 1) << name;
    }
    EXPECT_TRUE(fs::exists(opts.pid_file));
    stop_daemon(done);
    EXPECT_FALSE(fs::exists(opts.pid_file));
}

TEST(Daemon, RequestWithAnInvalidUtf8ByteIsAnsweredAndTheDaemonLives) {
    TempDir dir;
    DaemonOptions opts = options_in(dir);
    auto done = start_daemon(opts);
    auto reply = control_request(opts.control_socket, "st\xff" "atus");
    EXPECT_NE(reply.value("error", "").find("unknown request"), std::string::npos) << reply;
    EXPECT_EQ(done.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout) << "the daemon exited";
    EXPECT_EQ(poll_status(opts.control_socket)["pid"], ::getpid());
    stop_daemon(done);
}

TEST(Daemon, RefusesAPidFileThatIsASymlink) {
    TempDir dir;
    DaemonOptions opts = options_in(dir);
    auto victim = dir.path() / "victim";
    { std::ofstream(victim) << "keep me\n"; }
    fs::create_symlink(victim, opts.pid_file);
    Daemon d(empty_config(), opts);
    try {
        d.run();
        FAIL() << "followed the symlink";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
    }
    std::ifstream in(victim);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "keep me");
    EXPECT_FALSE(fs::exists(opts.control_socket));
}

TEST(Daemon, RefusedReloadLeavesTheRunningConfigUntouchedAndAGoodOneApplies) {
    TempDir dir;
    DaemonOptions opts = options_in(dir);
    auto path = (dir.path() / "d.conf").string();
    auto write = [&](const std::string& text) {
        std::ofstream(path + ".new") << text;
        fs::rename(path + ".new", path);
    };
    const std::string one = "virtual_server 198.18.1.1 80 {\n  protocol TCP\n  real_server 198.18.0.11 80 {\n  }\n}\n";
    write(one);
    config::Diagnostics diag;
    auto cfg = config::load(path, diag);
    ASSERT_TRUE(diag.ok());
    auto done = std::async(std::launch::async, [&] {
        Daemon d(cfg, opts);
        return d.run();
    });
    poll_status(opts.control_socket);

    write(one + "virtual_server 198.18.1.2 80 {\n  protocol TCP\n  lb_algo fastest\n}\n");
    auto r = control_request(opts.control_socket, "reload", std::chrono::seconds(10))["reload"];
    EXPECT_EQ(r["ok"], false);
    ASSERT_EQ(r["errors"].size(), 1u);
    EXPECT_NE(r["errors"][0].get<std::string>().find(path + ":8:"), std::string::npos) << r["errors"][0];
    auto status = control_request(opts.control_socket, "status");
    EXPECT_EQ(status["lvs"]["configured_virtual_servers"], 1) << "nothing of the refused file was applied";
    EXPECT_EQ(status["reload"]["rejected"], 1);

    write(one + "virtual_server 198.18.1.2 80 {\n  protocol TCP\n  lb_algo wrr\n}\n");
    r = control_request(opts.control_socket, "reload", std::chrono::seconds(10))["reload"];
    EXPECT_EQ(r["ok"], true) << r;
    EXPECT_EQ(r["changes"].size(), 1u) << r;
    status = control_request(opts.control_socket, "status");
    EXPECT_EQ(status["lvs"]["configured_virtual_servers"], 2);
    EXPECT_EQ(status["reload"]["last"]["number"], 2);
    stop_daemon(done);
}
