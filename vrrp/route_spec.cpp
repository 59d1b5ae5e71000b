#include "vrrp/route_spec.hpp"

#include "host/ipv4.hpp"

namespace vrrp {

namespace {

std::string table_name(uint32_t t) {
    if (t == kTableMain) return "main";
    if (t == kTableLocal) return "local";
    if (t == kTableDefault) return "default";
    return std::to_string(t);
}

std::string scope_name(uint8_t s) {
    switch (s) {
        case kScopeGlobal: return "global";
        case kScopeSite: return "site";
        case kScopeLink: return "link";
        case kScopeHost: return "host";
        case kScopeNowhere: return "nowhere";
    }
    return std::to_string(s);
}

std::string prefix_text(uint32_t addr, int prefix) { return host::format_ipv4(addr) + "/" + std::to_string(prefix); }

}  // namespace

uint8_t effective_scope(const RouteSpec& r) {
    if (r.scope) return *r.scope;
    if (r.type == RouteSpec::Type::Unicast && !r.via) return kScopeLink;
    return kScopeGlobal;
}

std::string describe(const AddressSpec& a) {
    std::string s = prefix_text(a.address, a.prefix) + " dev " + a.dev;
    if (a.broadcast) s += " brd " + host::format_ipv4(*a.broadcast);
    if (!a.label.empty()) s += " label " + a.label;
    if (a.scope != kScopeGlobal) s += " scope " + scope_name(a.scope);
    return s;
}

std::string describe(const RouteSpec& r) {
    std::string s;
    switch (r.type) {
        case RouteSpec::Type::Unicast: break;
        case RouteSpec::Type::Blackhole: s = "blackhole "; break;
        case RouteSpec::Type::Unreachable: s = "unreachable "; break;
        case RouteSpec::Type::Prohibit: s = "prohibit "; break;
    }
    s += r.prefix == 0 && r.dst == 0 ? "default" : prefix_text(r.dst, r.prefix);
    if (r.via) s += " via " + host::format_ipv4(*r.via);
    if (!r.dev.empty()) s += " dev " + r.dev;
    if (r.src) s += " src " + host::format_ipv4(*r.src);
    if (r.table != kTableMain) s += " table " + table_name(r.table);
    if (r.metric) s += " metric " + std::to_string(*r.metric);
    if (r.scope) s += " scope " + scope_name(*r.scope);
    if (r.protocol != kProtoBoot)
        s += " proto " + (r.protocol == kProtoStatic ? std::string("static")
                          : r.protocol == 2          ? std::string("kernel")
                                                     : std::to_string(r.protocol));
    if (r.onlink) s += " onlink";
    return s;
}

std::string describe(const RuleSpec& r) {
    std::string s;
    if (r.priority) s += "priority " + std::to_string(*r.priority) + " ";
    s += "from " + (r.from ? prefix_text(*r.from, r.from_prefix) : std::string("all"));
    if (r.to) s += " to " + prefix_text(*r.to, r.to_prefix);
    if (r.tos) s += " tos " + std::to_string(r.tos);
    if (r.fwmark) {
        s += " fwmark " + std::to_string(*r.fwmark);
        if (r.fwmask) s += "/" + std::to_string(*r.fwmask);
    }
    if (!r.iif.empty()) s += " iif " + r.iif;
    if (!r.oif.empty()) s += " oif " + r.oif;
    s += " table " + table_name(r.table);
    return s;
}

}  // namespace vrrp
