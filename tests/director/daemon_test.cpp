#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
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

}  // namespace

TEST(Daemon, AnswersStatusOnItsSocketAndCleansUpOnSigterm) {
    TempDir dir;
    DaemonOptions opts;
    opts.pid_file = (dir.path() / "d.pid").string();
    opts.control_socket = (dir.path() / "d.sock").string();
    // The daemon's signal_set installs a process-wide handler, so the SIGTERM below reaches it whichever
    // thread the kernel picks, and does not kill the test.
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
