#pragma once
// A config from text for unit tests: every error fails the calling test with its file:line.
#include <gtest/gtest.h>

#include <string>

#include "director/config/model.hpp"

namespace testsupport {

inline director::config::Config load_config(const std::string& text, const std::string& name = "t.conf") {
    director::config::Diagnostics d;
    auto cfg = director::config::load_text(text, name, d);
    for (const auto& e : d.errors()) ADD_FAILURE() << e.str();
    return cfg;
}

inline std::string all_errors(const director::config::Diagnostics& d) {
    std::string s;
    for (const auto& e : d.errors()) s += e.str() + "\n";
    return s;
}

// A config that must load; every error is printed.
inline director::config::Config load_ok(const std::string& text, const std::string& name = "t.conf") {
    director::config::Diagnostics d;
    auto c = director::config::load_text(text, name, d);
    EXPECT_TRUE(d.ok()) << all_errors(d);
    return c;
}

// Exactly one error, at `name`:`line`, whose message contains `needle`.
inline void expect_error(const std::string& text, int line, const std::string& needle,
                         const std::string& name = "t.conf") {
    director::config::Diagnostics d;
    director::config::load_text(text, name, d);
    ASSERT_EQ(d.errors().size(), 1u) << all_errors(d);
    EXPECT_EQ(d.errors()[0].where.str(), name + ":" + std::to_string(line)) << all_errors(d);
    EXPECT_NE(d.errors()[0].message.find(needle), std::string::npos) << all_errors(d);
}

}  // namespace testsupport
