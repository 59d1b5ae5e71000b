// --log-level takes the names spdlog, keepalived and lvscare users write.
#include <gtest/gtest.h>

#include "director/log.hpp"

using director::parse_log_level;
using L = spdlog::level::level_enum;

TEST(LogLevel, AcceptsSpdlogKeepalivedAndLvscareNames) {
    EXPECT_EQ(parse_log_level("warning"), L::warn);
    EXPECT_EQ(parse_log_level("warn"), L::warn);
    EXPECT_EQ(parse_log_level("WARN"), L::warn);
    EXPECT_EQ(parse_log_level("err"), L::err);
    EXPECT_EQ(parse_log_level("error"), L::err);
    EXPECT_EQ(parse_log_level("EROR"), L::err);
    EXPECT_EQ(parse_log_level("debug"), L::debug);
    EXPECT_EQ(parse_log_level("DEBG"), L::debug);
    EXPECT_EQ(parse_log_level("info"), L::info);
    EXPECT_EQ(parse_log_level("trace"), L::trace);
    EXPECT_EQ(parse_log_level("critical"), L::critical);
    EXPECT_EQ(parse_log_level("crit"), L::critical);
}

TEST(LogLevel, RejectsUnknownNames) {
    EXPECT_FALSE(parse_log_level("verbose"));
    EXPECT_FALSE(parse_log_level(""));
}
