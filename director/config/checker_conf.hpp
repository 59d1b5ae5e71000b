#pragma once
// Health checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) inside real_server, and the top-level
// SSL block. (Owned by the health-check work: extend freely.)
#include <optional>
#include <string>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct SslConf {
    std::string ca, certificate, key;
    Location where;
};

struct CheckerConf {
    std::string kind;  // TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK
    Location where;
};

void parse_ssl(const Node& n, std::optional<SslConf>& out, Diagnostics& diag);
// If `n` is a checker block, parses it into `out` and returns true; returns false for other keywords.
bool parse_checker(const Node& n, std::vector<CheckerConf>& out, Diagnostics& diag);

}  // namespace director::config
