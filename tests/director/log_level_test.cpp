// --log-level takes the names spdlog, keepalived and lvscare users write.
#include <gtest/gtest.h>

#include "director/log.hpp"

using director::parse_log_level;
using L = spdlog::level::level_enum;

TEST(LogLevel, AcceptsSpdlogKeepalivedAndLvscareNames) {
    const std::pair<const char*, L> names[] = {
        {"warning", L::warn}, {"warn", L::warn},         {"WARN", L::warn},        {"err", L::err},
        {"error", L::err},    {"EROR", L::err},          {"debug", L::debug},      {"DEBG", L::debug},
        {"info", L::info},    {"trace", L::trace},       {"critical", L::critical}, {"crit", L::critical},
        {"off", L::off}};
    for (const auto& [name, level] : names) EXPECT_EQ(parse_log_level(name), level) << name;
}

TEST(LogLevel, RejectsUnknownNames) {
    EXPECT_FALSE(parse_log_level("verbose"));
    EXPECT_FALSE(parse_log_level(""));
}
