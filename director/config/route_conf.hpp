#pragma once
// keepalived's static_ipaddress, static_routes and static_rules (top level) and virtual_routes /
// virtual_rules (inside a vrrp_instance): one `ip addr` / `ip route` / `ip rule` line each, IPv4 only.
// The line becomes a vrrp::AddressSpec / RouteSpec / RuleSpec, or a file:line error. keepalived options
// director does not carry out (nexthop groups, metrics such as mtu, realms, ...) are errors that say so,
// never silently dropped.
#include <vector>

#include "director/config/tree.hpp"
#include "vrrp/route_spec.hpp"

namespace director::config {

struct StaticAddressConf {
    vrrp::AddressSpec spec;
    Location where;
    bool operator==(const StaticAddressConf&) const = default;
};

struct RouteConf {
    vrrp::RouteSpec spec;
    Location where;
    bool operator==(const RouteConf&) const = default;
};

struct RuleConf {
    vrrp::RuleSpec spec;
    Location where;
    bool operator==(const RuleConf&) const = default;
};

// Applied at start, removed at a clean stop, edited by a reload; never moved by VRRP.
struct StaticNetworkConf {
    std::vector<StaticAddressConf> addresses;
    std::vector<RouteConf> routes;
    std::vector<RuleConf> rules;
    bool empty() const { return addresses.empty() && routes.empty() && rules.empty(); }
    bool operator==(const StaticNetworkConf&) const = default;
};

// One line; `section` names the block in messages ("static_routes"). nullopt after reporting an error.
std::optional<vrrp::AddressSpec> parse_address_line(const Node& line, const std::string& section, Diagnostics& diag);
std::optional<vrrp::RouteSpec> parse_route_line(const Node& line, const std::string& section, Diagnostics& diag);
std::optional<vrrp::RuleSpec> parse_rule_line(const Node& line, const std::string& section, Diagnostics& diag);

// A whole `virtual_routes { ... }` / `static_routes { ... }` block, appended to `out`; a line repeating an
// earlier one (in `out` already) is an error naming both.
void parse_route_block(const Node& block, std::vector<RouteConf>& out, Diagnostics& diag);
void parse_rule_block(const Node& block, std::vector<RuleConf>& out, Diagnostics& diag);
void parse_address_block(const Node& block, std::vector<StaticAddressConf>& out, Diagnostics& diag);

// A top-level static_ipaddress / static_routes / static_rules section (there may be several of each).
void parse_static_section(const Node& section, StaticNetworkConf& out, Diagnostics& diag);

}  // namespace director::config
