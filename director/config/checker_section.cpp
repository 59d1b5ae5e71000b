// TCP_CHECK / HTTP_GET / SSL_GET / MISC_CHECK blocks and the top-level SSL block, keepalived's grammar.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "director/config/checker_conf.hpp"
#include "director/config/global_defs.hpp"
#include "director/config/values.hpp"
#include "healthcheck/http_response.hpp"
#include "host/process.hpp"

namespace director::config {

namespace {

constexpr long long kMaxMs = 24LL * 3600 * 1000;

std::optional<uint16_t> port_value(const Node& n, Diagnostics& diag) {
    if (!expect_args(n, 1, diag)) return std::nullopt;
    auto v = int_arg(n, diag, 1, 65535);
    if (!v) return std::nullopt;
    return static_cast<uint16_t>(*v);
}

bool flag_into(const Node& n, Diagnostics& diag, bool& out) {
    auto v = flag_arg(n, diag);
    if (v) out = *v;
    return v.has_value();
}

std::optional<std::string> one_word(const Node& n, Diagnostics& diag) {
    if (!expect_args(n, 1, diag)) return std::nullopt;
    return n.args[0];
}

void parse_url(const Node& n, CheckerConf& c, Diagnostics& diag) {
    UrlConf u;
    u.where = n.where;
    bool have_path = false;
    for (const Node& k : n.children) {
        if (k.keyword == "path") {
            have_path = true;  // an invalid one is reported on its own line
            if (auto p = one_word(k, diag)) {
                if (p->empty() || (*p)[0] != '/') diag.error(k.where, "path must start with '/', got '" + *p + "'");
                else u.path = *p;
            }
        } else if (k.keyword == "status_code") {
            if (k.args.empty()) diag.error(k.where, "status_code: missing code");
            for (const auto& w : k.args) {
                if (auto r = healthcheck::StatusCodes::parse_word(w)) u.status_codes.push_back(*r);
                else diag.error(k.where, "status_code: '" + w + "' is not a code (100..599) or range like 200-299");
            }
        } else if (k.keyword == "digest") {
            if (auto d = one_word(k, diag)) {
                std::string lower;
                bool hex = d->size() == 32;
                for (char ch : *d) {
                    hex = hex && std::isxdigit(static_cast<unsigned char>(ch));
                    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                }
                if (!hex) diag.error(k.where, "digest: '" + *d + "' is not an MD5 in hex (32 digits)");
                else u.digest = lower;
            }
        } else if (k.keyword == "virtualhost") {
            if (auto v = one_word(k, diag)) u.virtualhost = *v;
        } else if (k.keyword == "regex" || k.keyword == "regex_no_match" || k.keyword == "regex_options" ||
                   k.keyword == "regex_stack" || k.keyword == "regex_min_offset" || k.keyword == "regex_max_offset") {
            diag.error(k.where, k.keyword + " is not supported; use status_code or digest");
        } else {
            diag.error(k.where, "unknown keyword '" + k.keyword + "' in url");
        }
    }
    if (!have_path) diag.error(n.where, "url without a path");
    c.urls.push_back(std::move(u));
}

// Keywords every checker kind accepts.
bool parse_common(const Node& k, CheckerConf& c, Diagnostics& diag) {
    const std::string& w = k.keyword;
    if (w == "delay_loop") {
        if (auto v = seconds_arg(k, diag, 10, kMaxMs)) c.delay_loop_ms = *v;
    } else if (w == "retry" || w == "nb_get_retry") {
        if (auto v = int_arg(k, diag, 0, 1000)) c.retry = static_cast<unsigned>(*v);
    } else if (w == "delay_before_retry") {
        if (auto v = seconds_arg(k, diag, 0, kMaxMs)) c.delay_before_retry_ms = *v;
    } else if (w == "warmup") {
        if (auto v = seconds_arg(k, diag, 0, kMaxMs)) c.warmup_ms = *v;
    } else if (w == "rise") {
        if (auto v = int_arg(k, diag, 1, 1000)) c.rise = static_cast<unsigned>(*v);
    } else if (w == "fall") {
        if (auto v = int_arg(k, diag, 1, 1000)) c.fall = static_cast<unsigned>(*v);
    } else if (w == "log_all_failures" || w == "fast_recovery") {
        warn_ignored(k, diag);
    } else {
        return false;
    }
    return true;
}

bool parse_connection(const Node& k, CheckerConf& c, Diagnostics& diag) {
    const std::string& w = k.keyword;
    if (w == "connect_ip") {
        if (expect_args(k, 1, diag))
            if (auto v = ipv4_arg(k, diag)) c.connect_ip = *v;
    } else if (w == "connect_port") {
        if (auto v = port_value(k, diag)) c.connect_port = *v;
    } else if (w == "bindto") {
        if (expect_args(k, 1, diag))
            if (auto v = ipv4_arg(k, diag)) c.bindto = *v;
    } else if (w == "bind_port") {
        if (auto v = port_value(k, diag)) c.bind_port = *v;
    } else if (w == "connect_timeout") {
        if (auto v = seconds_arg(k, diag, 10, kMaxMs)) c.connect_timeout_ms = *v;
    } else if (w == "bind_if" || w == "fwmark") {
        diag.error(k.where, w + " is not supported in " + keyword(c.kind));
    } else {
        return false;
    }
    return true;
}

void parse_http(const Node& k, CheckerConf& c, Diagnostics& diag) {
    const std::string& w = k.keyword;
    if (w == "url") {
        parse_url(k, c, diag);
    } else if (w == "virtualhost") {
        if (auto v = one_word(k, diag)) c.virtualhost = *v;
    } else if (w == "http_protocol") {
        if (auto v = one_word(k, diag)) {
            if (*v == "1.0" || *v == "1.1" || *v == "1.0C" || *v == "1.1C")
                c.http_protocol = *v;
            else
                diag.error(k.where, "http_protocol: '" + *v + "' is not one of 1.0, 1.1, 1.0C, 1.1C");
        }
    } else if (w == "keepalive_requests") {
        if (auto v = int_arg(k, diag, 1, 1000000)) c.keepalive_requests = static_cast<unsigned>(*v);
    } else if (w == "keepalive_max_age") {
        if (auto v = seconds_arg(k, diag, 1000, kMaxMs)) c.keepalive_max_age_ms = *v;
    } else if (w == "enable_sni") {
        if (c.kind != CheckerKind::Ssl) diag.error(k.where, "enable_sni only applies to SSL_GET");
        flag_into(k, diag, c.enable_sni);
    } else if (w == "sni_name") {
        if (c.kind != CheckerKind::Ssl) diag.error(k.where, "sni_name only applies to SSL_GET");
        if (auto v = one_word(k, diag)) c.sni_name = *v;
    } else if (!parse_connection(k, c, diag) && !parse_common(k, c, diag)) {
        diag.error(k.where, "unknown keyword '" + w + "' in " + keyword(c.kind));
    }
}

void parse_misc(const Node& k, CheckerConf& c, Diagnostics& diag) {
    const std::string& w = k.keyword;
    if (w == "misc_path") {
        std::string line;
        for (size_t i = 0; i < k.args.size(); ++i) line += (i ? " " : "") + k.args[i];
        auto argv = host::split_command_line(line);
        if (k.args.empty()) diag.error(k.where, "misc_path: missing script");
        else if (!argv || argv->empty()) diag.error(k.where, "misc_path: unbalanced quotes in '" + line + "'");
        else c.misc_argv = *argv;
    } else if (w == "misc_timeout") {
        if (auto v = seconds_arg(k, diag, 10, kMaxMs)) c.misc_timeout_ms = *v;
    } else if (w == "misc_dynamic") {
        flag_into(k, diag, c.misc_dynamic);
    } else if (w == "user") {
        if (k.args.empty() || k.args.size() > 2) {
            diag.error(k.where, "user takes USER [GROUP]");
        } else {
            c.user = k.args[0];
            if (k.args.size() == 2) c.group = k.args[1];
        }
    } else if (!parse_common(k, c, diag)) {
        diag.error(k.where, "unknown keyword '" + w + "' in MISC_CHECK");
    }
}

}  // namespace

void parse_ssl(const Node& n, std::optional<SslConf>& out, Diagnostics& diag) {
    if (out) {
        diag.error(n.where, "SSL block given twice (first at " + out->where.str() + ")");
        return;
    }
    SslConf s;
    s.where = n.where;
    for (const Node& k : n.children) {
        std::string* field = k.keyword == "ca" ? &s.ca
                             : k.keyword == "certificate" ? &s.certificate
                             : k.keyword == "key" ? &s.key
                             : nullptr;
        if (field) {
            if (auto v = one_word(k, diag)) *field = *v;
        } else if (k.keyword == "password") {
            diag.error(k.where, "SSL password (encrypted keys) is not supported; use an unencrypted key file");
        } else {
            diag.error(k.where, "unknown keyword '" + k.keyword + "' in SSL");
        }
    }
    if (!s.key.empty() && s.certificate.empty()) diag.error(n.where, "SSL key given without a certificate");
    // Unreadable files are config errors now rather than failing checks later.
    for (const Node& k : n.children)
        if ((k.keyword == "ca" || k.keyword == "certificate" || k.keyword == "key") && k.args.size() == 1 &&
            access(k.args[0].c_str(), R_OK) != 0)
            diag.error(k.where, "SSL " + k.keyword + " " + k.args[0] + ": " + std::strerror(errno));
    out = std::move(s);
}

const char* keyword(CheckerKind k) {
    switch (k) {
        case CheckerKind::Tcp: return "TCP_CHECK";
        case CheckerKind::Http: return "HTTP_GET";
        case CheckerKind::Ssl: return "SSL_GET";
        case CheckerKind::Misc: return "MISC_CHECK";
    }
    return "?";
}

std::optional<CheckerKind> checker_kind(const std::string& word) {
    for (CheckerKind k : {CheckerKind::Tcp, CheckerKind::Http, CheckerKind::Ssl, CheckerKind::Misc})
        if (word == keyword(k)) return k;
    return std::nullopt;
}

bool parse_checker(const Node& n, std::vector<CheckerConf>& out, Diagnostics& diag) {
    auto kind = checker_kind(n.keyword);
    if (!kind) return false;
    const std::string& k = n.keyword;
    CheckerConf c;
    c.kind = *kind;
    c.where = n.where;
    if (c.kind == CheckerKind::Misc) c.retry = 0;  // keepalived retries a script only when told to
    if (!n.args.empty()) diag.error(n.where, k + " takes no arguments");
    for (const Node& child : n.children) {
        if (c.kind == CheckerKind::Tcp) {
            if (!parse_connection(child, c, diag) && !parse_common(child, c, diag))
                diag.error(child.where, "unknown keyword '" + child.keyword + "' in TCP_CHECK");
        } else if (c.kind == CheckerKind::Misc) {
            parse_misc(child, c, diag);
        } else {
            parse_http(child, c, diag);
        }
    }
    if (c.kind == CheckerKind::Misc && c.misc_argv.empty()) diag.error(n.where, "MISC_CHECK without misc_path");
    if (c.is_http() && c.urls.empty()) diag.error(n.where, k + " without a url block");
    out.push_back(std::move(c));
    return true;
}

void resolve_checker_defaults(CheckerConf& c, long long vs_delay_loop_ms, const std::string& vs_virtualhost) {
    if (c.delay_loop_ms == kNotGiven) c.delay_loop_ms = vs_delay_loop_ms;
    // As keepalived: the first checks are spread over a whole delay_loop, and since each checker then keeps
    // its phase, so is every later round. Fired within 2 s instead, 1,000 SSL_GET servers ran ~1,000 TLS
    // exchanges at once each round, and the heap kept that peak.
    if (c.warmup_ms == kNotGiven) c.warmup_ms = c.delay_loop_ms;
    if (c.misc_timeout_ms == kNotGiven) c.misc_timeout_ms = c.delay_loop_ms;
    if (c.virtualhost.empty()) c.virtualhost = vs_virtualhost;
}

}  // namespace director::config
