#include "host/run_command.hpp"

#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace host;

TEST(RunCommand, CapturesStdoutAndStderrAndTheExitStatus) {
    auto r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_TRUE(r.started);
    EXPECT_EQ(r.status, 3);
    EXPECT_EQ(r.output, "out\nerr");
}

TEST(RunCommand, StdinIsEmpty) {
    auto r = run_command({"cat"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, "");
}

TEST(RunCommand, GivenInputIsTheProgramsStdin) {
    auto r = run_command({"cat"}, "*nat\n-A OUTPUT -j RETURN\nCOMMIT\n");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, "*nat\n-A OUTPUT -j RETURN\nCOMMIT");
    // larger than a pipe's buffer, read by a program that writes only after its whole input is in
    const std::string big(1 << 20, 'x');
    r = run_command({"sh", "-c", "wc -c"}, big);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, std::to_string(big.size()));
}

TEST(RunCommand, AMissingProgramIsNotStarted) {
    auto r = run_command({"/nonexistent/tool", "-q"});
    EXPECT_FALSE(r.started);
    EXPECT_EQ(r.status, -1);
    EXPECT_NE(r.output.find("/nonexistent/tool"), std::string::npos) << r.output;
}

TEST(RunCommand, AKilledChildHasNoStatus) {
    auto r = run_command({"sh", "-c", "kill -9 $$"});
    EXPECT_TRUE(r.started);
    EXPECT_EQ(r.status, -1);
}

TEST(StartDetached, RunsInASessionOfItsOwnWithStdinEmptyAndOutputAppendedToTheLog) {
    char dir_template[] = "/tmp/start-detached-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::string log = std::string(dir_template) + "/out.log";
    {
        std::ofstream(log) << "earlier line\n";
    }
    // Prints its session id and what it reads from stdin (nothing), on stdout and stderr.
    pid_t pid = start_detached({"sh", "-c", "echo sid=$(cut -d' ' -f6 /proc/$$/stat); cat; echo err >&2"}, log);
    ASSERT_GT(pid, 0);
    int ws = 0;
    ASSERT_EQ(waitpid(pid, &ws, 0), pid);
    EXPECT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), "earlier line\nsid=" + std::to_string(pid) + "\nerr\n");
    std::filesystem::remove_all(dir_template);
}

TEST(StartDetached, AProgramThatCannotStartIsAnErrorNamingTheCommand) {
    try {
        start_detached({"/nonexistent/daemon", "--flag"}, "/dev/null");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "starting /nonexistent/daemon --flag: No such file or directory");
    }
}
