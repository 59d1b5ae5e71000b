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

}  // namespace testsupport
