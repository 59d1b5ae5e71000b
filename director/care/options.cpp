#include "director/care/options.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "director/care/duration.hpp"

namespace director::care {

namespace {

// "--health-req-method" -> "CARE_HEALTH_REQ_METHOD"
std::string env_name(const std::string& flag) {
    std::string out = "CARE_";
    for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

template <typename T>
CLI::Option* opt(CLI::App& cmd, const std::string& names, const std::string& env, T& var, const std::string& help) {
    return cmd.add_option(names, var, help)->envname(env_name(env))->capture_default_str();
}

CLI::Option* flag(CLI::App& cmd, const std::string& names, const std::string& env, bool& var, const std::string& help) {
    return cmd.add_flag(names, var, help)->envname(env_name(env))->capture_default_str();
}

[[noreturn]] void bad(const std::string& flag, const std::string& value, const std::string& why) {
    throw FlagError("invalid value \"" + value + "\" for flag --" + flag + ": " + why);
}

}  // namespace

void register_care_flags(CLI::App& cmd, RawFlags& raw) {
    opt(cmd, "--vs", "vs", raw.vs, "virtual server address, for example 169.254.0.1:6443")->required();
    opt(cmd, "--rs", "rs", raw.rs, "real server address like 192.168.0.2:6443 (repeatable, or comma-separated)")
        ->delimiter(',');
    opt(cmd, "--scheduler", "scheduler", raw.scheduler, "proxier scheduler: rr|wrr|lc|wlc|sh|dh");
    opt(cmd, "-i,--iface", "iface", raw.iface, "name of dummy interface to created, same behavior as kube-proxy");
    opt(cmd, "--logger", "logger", raw.logger, "logger level: DEBG/INFO (also WARN/EROR)");
    opt(cmd, "--mode", "mode", raw.mode, "proxy mode: route/link");
    opt(cmd, "--metrics-listen", "metrics-listen", raw.metrics_listen,
        "serve Prometheus metrics on ADDR:PORT or :PORT (not an lvscare flag; off by default)");
    flag(cmd, "--run-once", "run-once", raw.run_once, "create proxy rules and exit");
    flag(cmd, "-C,--clean", "clean", raw.clean, "clean existing rules and then exit");
    opt(cmd, "--interval", "interval", raw.interval, "health check interval (seconds, or a duration like 500ms)");
    opt(cmd, "--ip", "ip", raw.ip, "target ip as route gateway, use with route mode");
    opt(cmd, "--masqueradebit", "masqueradebit", raw.masquerade_bit, "IPTables masquerade bit")
        ->check(CLI::Range(0, 31));
    opt(cmd, "--health-path", "health-path", raw.health_path, "url path to probed");
    opt(cmd, "--health-schem", "health-schem", raw.health_schem, "http scheme for prober: http|https (or tcp)");
    opt(cmd, "--health-req-method", "health-req-method", raw.method, "http request method");
    opt(cmd, "--health-req-body", "health-req-body", raw.body, "body to send for health checker");
    opt(cmd, "--health-req-headers", "health-req-headers", raw.headers, "http request headers, key=value")
        ->delimiter(',');
    opt(cmd, "--health-status", "health-status", raw.status, "extra valid status codes greater than 400")
        ->delimiter(',');
    flag(cmd, "--health-insecure-skip-verify", "health-insecure-skip-verify", raw.insecure_skip_verify,
         "skip verify insecure request");
    opt(cmd, "--health-timeout", "health-timeout", raw.timeout, "http probe timeout");
}

std::optional<uint32_t> lookup_hosts(const std::string& hosts_path, const std::string& name) {
    std::ifstream in(hosts_path);
    std::string line;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string address, alias;
        if (!(words >> address)) continue;
        while (words >> alias)
            if (alias == name) {
                if (auto ip = parse_ipv4(address)) return ip;
            }
    }
    return std::nullopt;
}

Options finalize_care_flags(const RawFlags& raw, const std::string& hosts_path) {
    Options o;
    auto vs = parse_endpoint(raw.vs);
    if (!vs) bad("vs", raw.vs, "want IPv4:PORT");
    o.vs = *vs;
    o.clean = raw.clean;
    o.run_once = raw.run_once;
    for (const auto& text : raw.rs) {
        auto rs = parse_endpoint(text);
        if (!rs) bad("rs", text, "want IPv4:PORT");
        bool dup = false;
        for (auto& e : o.rs) dup = dup || e == *rs;
        if (!dup) o.rs.push_back(*rs);
    }
    if (o.rs.empty() && !o.clean) throw FlagError("required flag(s) \"rs\" not set (give --rs IP:PORT, or -C to clean)");

    static const std::set<std::string> schedulers{"rr", "wrr", "lc", "wlc", "sh", "dh"};
    if (!schedulers.count(raw.scheduler)) bad("scheduler", raw.scheduler, "want one of rr, wrr, lc, wlc, sh, dh");
    o.scheduler = raw.scheduler;

    if (raw.iface.empty() || raw.iface.size() > 15 || raw.iface.find_first_of("/ \t:") != std::string::npos)
        bad("iface", raw.iface, "not a valid interface name (1-15 characters, no '/', ':' or blanks)");
    o.iface = raw.iface;

    static const std::set<std::string> levels{"INFO", "DEBG", "WARN", "EROR", "info", "debug", "warn", "error"};
    if (!levels.count(raw.logger)) bad("logger", raw.logger, "want DEBG, INFO, WARN or EROR");
    o.logger = raw.logger;
    o.metrics_listen = raw.metrics_listen;

    if (raw.mode == "route") o.mode = Mode::Route;
    else if (raw.mode == "link") o.mode = Mode::Link;
    else bad("mode", raw.mode, "want route or link");

    auto interval = parse_duration_or_seconds(raw.interval);
    if (!interval) bad("interval", raw.interval, "want seconds or a duration like 500ms, 5s, 1m");
    // lvscare treats 0 as "use the default"; anything under 100ms would only burn CPU.
    if (interval->count() == 0) interval = std::chrono::seconds(5);
    if (*interval < std::chrono::milliseconds(100)) bad("interval", raw.interval, "must be at least 100ms");
    o.interval = *interval;

    if (!raw.ip.empty()) {
        auto ip = parse_ipv4(raw.ip);
        if (!ip) bad("ip", raw.ip, "want an IPv4 address");
        o.gateway = ip;
    } else if (o.mode == Mode::Route) {
        if (const char* env = std::getenv("LVSCARE_NODE_IP"); env && *env) o.gateway = parse_ipv4(env);
        if (!o.gateway) o.gateway = lookup_hosts(hosts_path, "lvscare.node.ip");
    }

    if (raw.masquerade_bit < 0 || raw.masquerade_bit > 31)
        bad("masqueradebit", std::to_string(raw.masquerade_bit), "want 0..31");
    o.masquerade_bit = raw.masquerade_bit;

    auto& p = o.probe;
    p.path = raw.health_path.empty() || raw.health_path.front() != '/' ? "/" + raw.health_path : raw.health_path;
    if (raw.health_schem == "http") p.scheme = Scheme::Http;
    else if (raw.health_schem == "https") p.scheme = Scheme::Https;
    else if (raw.health_schem == "tcp") p.scheme = Scheme::Tcp;
    else bad("health-schem", raw.health_schem, "unsupported scheme, want http, https or tcp");
    if (raw.method.empty() || raw.method.find_first_of(" \t\r\n") != std::string::npos)
        bad("health-req-method", raw.method, "not an HTTP method");
    p.method = raw.method;
    p.body = raw.body;
    for (const auto& kv : raw.headers) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) bad("health-req-headers", kv, "want key=value");
        auto key = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (key.find_first_of(" \t\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
            bad("health-req-headers", kv, "header name or value has forbidden characters");
        p.headers.emplace_back(key, value);
    }
    for (int code : raw.status) {
        if (code < 400 || code > 599) bad("health-status", std::to_string(code), "want a status code 400..599");
        p.extra_ok_status.insert(code);
    }
    p.insecure_skip_verify = raw.insecure_skip_verify;
    auto timeout = parse_go_duration(raw.timeout);
    if (!timeout) timeout = parse_duration_or_seconds(raw.timeout);
    if (!timeout || timeout->count() == 0) bad("health-timeout", raw.timeout, "want a positive duration like 10s");
    p.timeout = *timeout;
    return o;
}

}  // namespace director::care
