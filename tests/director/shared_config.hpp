#pragma once
// A config from text, shared as the daemon hands one to its components (Component::apply,
// Membership::reload).
#include <memory>
#include <string>

#include "tests/director/config_text.hpp"

namespace testsupport {

inline std::shared_ptr<const director::config::Config> shared_config(const std::string& text,
                                                                     const std::string& name = "t.conf") {
    return std::make_shared<const director::config::Config>(load_config(text, name));
}

}  // namespace testsupport
