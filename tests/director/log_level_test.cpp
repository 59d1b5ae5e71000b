// --log-level takes the names spdlog, keepalived and lvscare users write.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

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

TEST(LogLevel, JournalPrioritiesFollowSyslog) {
    EXPECT_EQ(director::syslog_priority(L::debug), 7);
    EXPECT_EQ(director::syslog_priority(L::info), 6);
    EXPECT_EQ(director::syslog_priority(L::warn), 4);
    EXPECT_EQ(director::syslog_priority(L::err), 3);
    EXPECT_EQ(director::syslog_priority(L::critical), 2);
}

TEST(LogLevel, JournalStreamMustNameTheFileStderrIsNow) {
    struct stat st {};
    ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
    std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
    EXPECT_TRUE(director::stderr_is_journal(mine.c_str()));
    EXPECT_FALSE(director::stderr_is_journal(other.c_str()));
    EXPECT_FALSE(director::stderr_is_journal(""));
    EXPECT_FALSE(director::stderr_is_journal(nullptr));
    EXPECT_FALSE(director::stderr_is_journal("garbage"));
}
