#pragma once
// Health checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) inside real_server, and the top-level
// SSL block. Scheduling and timeout values are resolved when the file is loaded (keepalived's defaults, or
// the virtual_server's delay_loop and virtualhost), so whoever builds a checker reads plain values.
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

enum class CheckerKind { Tcp, Http, Ssl, Misc };

// The config keyword of a kind ("TCP_CHECK", ...), and back (nullopt: not a checker keyword).
const char* keyword(CheckerKind k);
std::optional<CheckerKind> checker_kind(const std::string& keyword);

// While a block is read, values the file left out hold kNotGiven until the virtual_server resolves them.
inline constexpr long long kNotGiven = -1;

struct CheckerConf {
    CheckerKind kind = CheckerKind::Tcp;
    Location where;
    bool is_http() const { return kind == CheckerKind::Http || kind == CheckerKind::Ssl; }

    // Common (TCP/HTTP/SSL): where to connect; default the real server's address and port.
    std::optional<uint32_t> connect_ip;  // host byte order
    std::optional<uint16_t> connect_port;
    std::optional<uint32_t> bindto;
    std::optional<uint16_t> bind_port;
    long long connect_timeout_ms = 5000;
    // Scheduling, shared by all kinds.
    long long delay_loop_ms = kNotGiven;      // default: the virtual_server's delay_loop
    unsigned retry = 1;                       // keepalived: 1, but 0 for MISC_CHECK
    long long delay_before_retry_ms = 1000;
    long long warmup_ms = kNotGiven;          // random start delay; default: min(delay_loop, 2 s)
    unsigned rise = 1, fall = 1;                  // director extension: consecutive results to change state

    // HTTP_GET / SSL_GET.
    std::vector<UrlConf> urls;
    std::string virtualhost;  // default: the virtual_server's
    std::string http_protocol = "1.0";
    unsigned keepalive_requests = 100;            // director extension: responses per connection; 1: no keep-alive
    long long keepalive_max_age_ms = 3600 * 1000;  // director extension: a connection older is replaced
    bool enable_sni = false;
    std::string sni_name;

    // MISC_CHECK.
    std::vector<std::string> misc_argv;  // misc_path split into words (run without a shell)
    long long misc_timeout_ms = kNotGiven;  // default: delay_loop
    bool misc_dynamic = false;
    std::optional<std::string> user, group;
    bool operator==(const CheckerConf&) const = default;
};

void parse_ssl(const Node& n, std::optional<SslConf>& out, Diagnostics& diag);
// If `n` is a checker block, parses it into `out` and returns true; returns false for other keywords.
bool parse_checker(const Node& n, std::vector<CheckerConf>& out, Diagnostics& diag);
// Fills what the block left out from keepalived's defaults and the enclosing virtual_server's values.
void resolve_checker_defaults(CheckerConf& c, long long vs_delay_loop_ms, const std::string& vs_virtualhost);

}  // namespace director::config
