#pragma once
// lvscare's `care` flags, spelled and defaulted as lvscare (sealos) spells them, so existing static-pod
// manifests keep working. CARE_<FLAG> environment variables fill flags not given on the command line.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "director/care/endpoint.hpp"

namespace director::care {

enum class Mode { Route, Link };
enum class Scheme { Http, Https, Tcp };  // tcp: connect only, our addition

struct ProbeSettings {
    Scheme scheme = Scheme::Https;
    std::string path = "/healthz";
    std::string method = "GET";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::set<int> extra_ok_status;  // codes >= 400 that still count as healthy
    bool insecure_skip_verify = true;
    std::chrono::nanoseconds timeout = std::chrono::seconds(10);
};

struct Options {
    Endpoint vs;
    std::vector<Endpoint> rs;
    std::string scheduler = "rr";
    std::string iface = "lvscare";
    std::string logger = "INFO";
    Mode mode = Mode::Route;
    bool run_once = false;
    bool clean = false;
    std::chrono::nanoseconds interval = std::chrono::seconds(5);
    std::optional<uint32_t> gateway;  // route mode: --ip, else lvscare.node.ip from /etc/hosts
    int masquerade_bit = 0;
    ProbeSettings probe;
    std::string metrics_listen;  // --metrics-listen ADDR:PORT: Prometheus /metrics; empty: off

    uint32_t masquerade_mark() const { return 1u << masquerade_bit; }
};

// The flags as typed, before validation; CLI11 writes into this.
struct RawFlags {
    std::string vs, scheduler = "rr", iface = "lvscare", logger = "INFO", mode = "route", interval = "5", ip;
    std::vector<std::string> rs, headers;
    std::vector<int> status;
    bool run_once = false, clean = false, insecure_skip_verify = true;
    int masquerade_bit = 0;
    std::string health_path = "/healthz", health_schem = "https", method = "GET", body, timeout = "10s";
    std::string metrics_listen;
};

// A flag value that parses but makes no sense; the message names the flag.
struct FlagError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void register_care_flags(CLI::App& cmd, RawFlags& raw);

// Validates and converts. Route mode without --ip falls back to $LVSCARE_NODE_IP (what sealos puts in the
// static pod) and then to the `lvscare.node.ip` line of hosts_path.
Options finalize_care_flags(const RawFlags& raw, const std::string& hosts_path = "/etc/hosts");

// The address a hosts file gives `name`, if any.
std::optional<uint32_t> lookup_hosts(const std::string& hosts_path, const std::string& name);

}  // namespace director::care
