#pragma once
#include <string>

namespace director {
const char* version();
// The git commit the binary was built from (abbreviated), or "" when built outside a git checkout.
const char* git_commit();
// "0.1.0 (commit 1a2b3c4d5e6f)", or "0.1.0" without a known commit.
std::string version_line();
}  // namespace director
