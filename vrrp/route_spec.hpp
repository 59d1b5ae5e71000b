#pragma once
// What keepalived's static_ipaddress / static_routes / static_rules and an instance's virtual_routes /
// virtual_rules ask the kernel for, IPv4 only. Pure data: the config fills them, vrrp/routes.cpp carries
// them out through rtnetlink. Equality means "the same kernel object", which is what a reload diffs on.
#include <cstdint>
#include <optional>
#include <string>

namespace vrrp {

// Kernel values (linux/rtnetlink.h), spelled here so the config side stays free of kernel headers.
constexpr uint32_t kTableDefault = 253, kTableMain = 254, kTableLocal = 255;
constexpr uint8_t kScopeGlobal = 0, kScopeSite = 200, kScopeLink = 253, kScopeHost = 254, kScopeNowhere = 255;
constexpr uint8_t kProtoBoot = 3, kProtoStatic = 4;

// `ip addr add ADDR/PREFIX dev DEV [label L] [scope S] [broadcast B]`.
struct AddressSpec {
    uint32_t address = 0;  // host order
    int prefix = 32;
    std::string dev;
    std::string label;
    uint8_t scope = kScopeGlobal;
    std::optional<uint32_t> broadcast;
    bool operator==(const AddressSpec&) const = default;
};

// `ip route add [TYPE] DST/PREFIX [via GW] [dev DEV] [src PREFSRC] [table T] [metric M] [scope S]
// [proto P] [onlink]`.
struct RouteSpec {
    enum class Type { Unicast, Blackhole, Unreachable, Prohibit };
    Type type = Type::Unicast;
    uint32_t dst = 0;  // host order; 0/0 is `default`
    int prefix = 0;
    std::optional<uint32_t> via;
    std::string dev;                  // empty: the kernel picks it from `via`
    std::optional<uint32_t> src;      // preferred source address (RTA_PREFSRC)
    uint32_t table = kTableMain;
    std::optional<uint32_t> metric;
    std::optional<uint8_t> scope;     // unset: as `ip route` chooses (see effective_scope)
    uint8_t protocol = kProtoBoot;    // what `ip route add` uses when none is given
    bool onlink = false;
    bool operator==(const RouteSpec&) const = default;
};

// `ip rule add [from P] [to P] table T [priority N] [iif I] [oif O] [fwmark M[/MASK]] [tos N]`.
struct RuleSpec {
    std::optional<uint32_t> from;  // host order, with from_prefix
    int from_prefix = 0;
    std::optional<uint32_t> to;
    int to_prefix = 0;
    uint32_t table = kTableMain;
    std::optional<uint32_t> priority;  // unset: the kernel assigns one below the first existing rule
    std::string iif, oif;
    std::optional<uint32_t> fwmark;
    std::optional<uint32_t> fwmask;  // only with fwmark
    uint8_t tos = 0;
    bool operator==(const RuleSpec&) const = default;
};

// The scope a route gets when none is written, as iproute2 decides it: a host route for nothing, a
// link route when there is no gateway, else global.
uint8_t effective_scope(const RouteSpec& r);

// One line each, in `ip` syntax, for logs, status and reload messages.
std::string describe(const AddressSpec& a);
std::string describe(const RouteSpec& r);
std::string describe(const RuleSpec& r);

}  // namespace vrrp
