#pragma once
// keepalived's grammar as a tree: every statement is a keyword, its arguments, and optionally a {} block
// of child statements. Section interpreters (global_defs, vrrp_instance, virtual_server, ...) walk this
// tree; they never see raw text, comments or include directives.
#include <string>
#include <vector>

#include "director/config/diagnostics.hpp"

namespace director::config {

struct Node {
    std::string keyword;
    std::vector<std::string> args;
    std::vector<Node> children;
    bool has_block = false;
    Location where;

    // The first argument, or "" when there is none.
    const std::string& arg(size_t i = 0) const;
};

// Reads `path`, follows `include` (with glob patterns, relative to the including file's directory),
// and returns the top-level statements. Syntax errors go to `diag`; what could be read is still returned.
std::vector<Node> parse_file(const std::string& path, Diagnostics& diag);

// Same grammar from a string (unit tests, stdin); `name` stands in for the file name in locations.
std::vector<Node> parse_text(const std::string& text, const std::string& name, Diagnostics& diag);

}  // namespace director::config
