#include "host/run_command.hpp"

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
