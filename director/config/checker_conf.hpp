#pragma once
// Health checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) inside real_server, and the top-level
// SSL block. Unset optionals fall back to keepalived's defaults or the virtual_server's values when the
// checker is built (director/lvs/membership.cpp). (Owned by the health-check work.)
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct SslConf {
    std::string ca, certificate, key;
    Location where;
    bool operator==(const SslConf&) const = default;
};

struct UrlConf {
    std::string path = "/";
    std::vector<std::pair<int, int>> status_codes;  // empty: any 2xx
    std::optional<std::string> digest;              // lower-case hex MD5
    std::string virtualhost;                         // per-url Host override
    Location where;
    bool operator==(const UrlConf&) const = default;
};

struct CheckerConf {
    std::string kind;  // TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK
    Location where;

    // Common (TCP/HTTP/SSL): where to connect; default the real server's address and port.
    std::optional<uint32_t> connect_ip;  // host byte order
    std::optional<uint16_t> connect_port;
    std::optional<uint32_t> bindto;
    std::optional<uint16_t> bind_port;
    std::optional<long long> connect_timeout_ms;  // default 5 s
    // Scheduling, shared by all kinds.
    std::optional<long long> delay_loop_ms;       // default: the virtual_server's delay_loop
    std::optional<unsigned> retry;                // default 1 (0 for MISC_CHECK)
    std::optional<long long> delay_before_retry_ms;  // default 1 s
    std::optional<long long> warmup_ms;           // random start delay; default: min(delay_loop, 2 s)
    unsigned rise = 1, fall = 1;                  // director extension: consecutive results to change state

    // HTTP_GET / SSL_GET.
    std::vector<UrlConf> urls;
    std::string virtualhost;
    std::string http_protocol = "1.0";
    bool enable_sni = false;
    std::string sni_name;

    // MISC_CHECK.
    std::vector<std::string> misc_argv;  // misc_path split into words (run without a shell)
    std::optional<long long> misc_timeout_ms;  // default: delay_loop
    bool misc_dynamic = false;
    std::optional<std::string> user, group;
    bool operator==(const CheckerConf&) const = default;
};

void parse_ssl(const Node& n, std::optional<SslConf>& out, Diagnostics& diag);
// If `n` is a checker block, parses it into `out` and returns true; returns false for other keywords.
bool parse_checker(const Node& n, std::vector<CheckerConf>& out, Diagnostics& diag);

}  // namespace director::config
