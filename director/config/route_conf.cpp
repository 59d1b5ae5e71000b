// The `ip addr` / `ip route` / `ip rule` subset keepalived configs use in static_* and virtual_* blocks.
// Options may come in any order, as with `ip`. Every problem is a file:line error and the line is
// dropped; the caller keeps going so `director check` lists them all.
#include "director/config/route_conf.hpp"

#include <cctype>
#include <charconv>
#include <set>

#include "director/config/values.hpp"

namespace director::config {

namespace {

// keepalived options that would change what the kernel gets; refused rather than silently left out.
const std::set<std::string>& unsupported_route_options() {
    static const std::set<std::string> k = {
        "nexthop", "realms", "mtu", "hoplimit", "advmss", "rtt", "rttvar", "reordering", "window", "cwnd",
        "ssthresh", "lock", "rto_min", "initcwnd", "initrwnd", "features", "quickack", "congctl",
        "fastopen_no_cookie", "pref", "expires", "vrf", "tos", "dsfield", "or", "add", "append", "encap",
        "ttl-propagate", "inet6", "track_group", "local", "broadcast", "multicast", "throw", "nat", "anycast",
        "as", "nhid", "from", "iif",
    };
    return k;
}

const std::set<std::string>& unsupported_rule_options() {
    static const std::set<std::string> k = {
        "realms", "goto", "uidrange", "l3mdev", "protocol", "ip_proto", "ipproto", "sport", "dport",
        "suppress_prefixlength", "suppress_ifgroup", "not", "nat", "map-to", "blackhole", "unreachable",
        "prohibit", "inet6", "track_group", "type",
    };
    return k;
}

// A line's words: the tree makes the first one the keyword.
struct Words {
    const Node& line;
    std::string section;
    Diagnostics& diag;
    std::vector<std::string> w;
    size_t i = 0;
    bool failed = false;

    Words(const Node& n, std::string sec, Diagnostics& d) : line(n), section(std::move(sec)), diag(d) {
        w.push_back(n.keyword);
        w.insert(w.end(), n.args.begin(), n.args.end());
    }
    bool more() const { return !failed && i < w.size(); }
    const std::string& take() { return w[i++]; }
    void error(const std::string& msg) {
        if (!failed) diag.error(line.where, section + ": " + msg);
        failed = true;
    }
    // The value after option `opt`, or an error.
    std::optional<std::string> value(const std::string& opt) {
        if (i >= w.size()) {
            error("'" + opt + "' needs a value");
            return std::nullopt;
        }
        return w[i++];
    }
};

std::optional<unsigned long long> number(const std::string& s) {
    unsigned long long v = 0;
    int base = 10;
    std::string_view t = s;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        base = 16;
        t.remove_prefix(2);
    }
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
    return v;
}

std::optional<uint32_t> u32(Words& ws, const std::string& opt, unsigned long long lo = 0,
                            unsigned long long hi = 0xffffffffULL) {
    auto s = ws.value(opt);
    if (!s) return std::nullopt;
    auto v = number(*s);
    if (!v || *v < lo || *v > hi) {
        ws.error(opt + ": '" + *s + "' is not a number in " + std::to_string(lo) + ".." + std::to_string(hi));
        return std::nullopt;
    }
    return static_cast<uint32_t>(*v);
}

struct Prefix {
    uint32_t address = 0;
    int len = 32;
};

// ADDR or ADDR/LEN. `exact`: the address may not have bits set past the prefix (a route or rule
// selector; the kernel refuses those too, with a less helpful message).
std::optional<Prefix> prefix(Words& ws, const std::string& what, const std::string& s, bool exact) {
    Prefix p;
    std::string addr = s;
    if (auto slash = s.find('/'); slash != std::string::npos) {
        addr = s.substr(0, slash);
        auto len = number(s.substr(slash + 1));
        if (!len || *len > 32 || s.substr(slash + 1).rfind("0x", 0) == 0) {
            ws.error(what + ": '" + s + "' has a bad prefix length (0..32)");
            return std::nullopt;
        }
        p.len = static_cast<int>(*len);
    }
    auto ip = parse_ipv4(addr);
    if (!ip) {
        ws.error(what + ": '" + s + "' is not an IPv4 address[/prefix]");
        return std::nullopt;
    }
    p.address = *ip;
    uint32_t mask = p.len == 0 ? 0 : ~uint32_t{0} << (32 - p.len);
    if (exact && (p.address & ~mask) != 0) {
        ws.error(what + ": '" + s + "' has host bits set past /" + std::to_string(p.len) + " (the network is " +
                 format_ipv4(p.address & mask) + "/" + std::to_string(p.len) + ")");
        return std::nullopt;
    }
    return p;
}

std::optional<uint32_t> address(Words& ws, const std::string& opt) {
    auto s = ws.value(opt);
    if (!s) return std::nullopt;
    auto ip = parse_ipv4(*s);
    if (!ip) ws.error(opt + ": '" + *s + "' is not an IPv4 address");
    return ip;
}

std::optional<uint32_t> table(Words& ws, const std::string& opt) {
    auto s = ws.value(opt);
    if (!s) return std::nullopt;
    if (*s == "main") return vrrp::kTableMain;
    if (*s == "local") return vrrp::kTableLocal;
    if (*s == "default") return vrrp::kTableDefault;
    auto v = number(*s);
    if (!v || *v == 0 || *v > 0xffffffffULL) {
        ws.error(opt + ": '" + *s + "' is not a table (1..4294967295, main, local or default)");
        return std::nullopt;
    }
    return static_cast<uint32_t>(*v);
}

std::optional<uint8_t> scope(Words& ws, const std::string& opt) {
    auto s = ws.value(opt);
    if (!s) return std::nullopt;
    if (*s == "global" || *s == "universe") return vrrp::kScopeGlobal;
    if (*s == "site") return vrrp::kScopeSite;
    if (*s == "link") return vrrp::kScopeLink;
    if (*s == "host") return vrrp::kScopeHost;
    if (*s == "nowhere") return vrrp::kScopeNowhere;
    auto v = number(*s);
    if (!v || *v > 255) {
        ws.error(opt + ": '" + *s + "' is not a scope (host, link, global, site, nowhere or 0..255)");
        return std::nullopt;
    }
    return static_cast<uint8_t>(*v);
}

std::optional<uint8_t> protocol(Words& ws, const std::string& opt) {
    auto s = ws.value(opt);
    if (!s) return std::nullopt;
    if (*s == "boot") return vrrp::kProtoBoot;
    if (*s == "static") return vrrp::kProtoStatic;
    if (*s == "kernel") return uint8_t{2};
    auto v = number(*s);
    if (!v || *v > 255) {
        ws.error(opt + ": '" + *s + "' is not a protocol (static, boot, kernel or 0..255)");
        return std::nullopt;
    }
    return static_cast<uint8_t>(*v);
}

std::string interface_name(Words& ws, const std::string& opt) {
    auto s = ws.value(opt);
    if (!s) return "";
    if (s->size() >= 16) {  // IFNAMSIZ, with its terminating NUL
        ws.error(opt + ": '" + *s + "' is longer than an interface name can be (15)");
        return "";
    }
    return *s;
}

}  // namespace

std::optional<vrrp::AddressSpec> parse_address_line(const Node& line, const std::string& section, Diagnostics& diag) {
    Words ws(line, section, diag);
    vrrp::AddressSpec a;
    auto p = prefix(ws, "address", ws.take(), false);
    if (!p) return std::nullopt;
    a.address = p->address;
    a.prefix = p->len;
    while (ws.more()) {
        const std::string opt = ws.take();
        if (opt == "dev") {
            a.dev = interface_name(ws, opt);
        } else if (opt == "label") {
            if (auto v = ws.value(opt)) a.label = *v;
        } else if (opt == "scope") {
            if (auto v = scope(ws, opt)) a.scope = *v;
        } else if (opt == "brd" || opt == "broadcast") {
            if (auto v = address(ws, opt)) a.broadcast = *v;
        } else if (opt == "peer" || opt == "home" || opt == "-nodad" || opt == "nodad" || opt == "mngtmpaddr" ||
                   opt == "noprefixroute" || opt == "autojoin" || opt == "track_group" ||
                   opt == "preferred_lft" || opt == "valid_lft") {
            ws.error("'" + opt + "' is a keepalived address option director does not support");
        } else {
            ws.error("unknown option '" + opt + "' (known: dev IF, label LABEL, scope SCOPE, brd ADDR)");
        }
    }
    if (!ws.failed && a.dev.empty())
        ws.error("'" + line.keyword + "' needs 'dev IF' (director has no default interface for it)");
    if (ws.failed) return std::nullopt;
    return a;
}

std::optional<vrrp::RouteSpec> parse_route_line(const Node& line, const std::string& section, Diagnostics& diag) {
    Words ws(line, section, diag);
    vrrp::RouteSpec r;
    bool have_dst = false;
    auto destination = [&](const std::string& s) {
        if (have_dst) return ws.error("a second destination '" + s + "' (the first was " +
                                      format_ipv4(r.dst) + "/" + std::to_string(r.prefix) + ")");
        have_dst = true;
        if (s == "default") {
            r.dst = 0;
            r.prefix = 0;
            return;
        }
        if (auto p = prefix(ws, "destination", s, true)) {
            r.dst = p->address;
            r.prefix = p->len;
        }
    };
    while (ws.more()) {
        const std::string opt = ws.take();
        if (opt == "src") {
            if (auto v = address(ws, opt)) r.src = *v;
        } else if (opt == "to") {
            if (auto v = ws.value(opt)) destination(*v);
        } else if (opt == "via" || opt == "gw") {
            if (auto v = address(ws, opt)) r.via = *v;
        } else if (opt == "dev") {
            r.dev = interface_name(ws, opt);
        } else if (opt == "table") {
            if (auto v = table(ws, opt)) r.table = *v;
        } else if (opt == "metric" || opt == "priority" || opt == "preference") {
            if (auto v = u32(ws, opt)) r.metric = *v;
        } else if (opt == "scope") {
            if (auto v = scope(ws, opt)) r.scope = *v;
        } else if (opt == "proto" || opt == "protocol") {
            if (auto v = protocol(ws, opt)) r.protocol = *v;
        } else if (opt == "onlink") {
            r.onlink = true;
        } else if (opt == "blackhole" || opt == "unreachable" || opt == "prohibit") {
            if (r.type != vrrp::RouteSpec::Type::Unicast) ws.error("a second route type '" + opt + "'");
            r.type = opt == "blackhole"     ? vrrp::RouteSpec::Type::Blackhole
                     : opt == "unreachable" ? vrrp::RouteSpec::Type::Unreachable
                                            : vrrp::RouteSpec::Type::Prohibit;
        } else if (opt == "no_track" || opt == "unicast" || opt == "prepend") {
            // no_track: director tracks no routes; unicast and prepend: what it does anyway.
        } else if (unsupported_route_options().count(opt)) {
            ws.error("'" + opt + "' is a keepalived route option director does not support");
        } else if (!have_dst && (opt == "default" || std::isdigit(static_cast<unsigned char>(opt[0])))) {
            destination(opt);
        } else {
            ws.error("unknown option '" + opt + "' (known: [src IP] [to] DEST/PREFIX|default, via|gw IP, dev IF, "
                     "table N, metric N, scope S, proto P, onlink, blackhole|unreachable|prohibit, no_track)");
        }
    }
    if (ws.failed) return std::nullopt;
    if (!have_dst) ws.error("no destination (DEST/PREFIX or default)");
    else if (r.type != vrrp::RouteSpec::Type::Unicast && (r.via || !r.dev.empty() || r.onlink))
        ws.error("a blackhole, unreachable or prohibit route takes no via, dev or onlink");
    else if (r.type == vrrp::RouteSpec::Type::Unicast && !r.via && r.dev.empty())
        ws.error("a route needs 'via IP' or 'dev IF' (or blackhole, unreachable, prohibit)");
    else if (r.onlink && !r.via)
        ws.error("onlink needs 'via IP'");
    if (ws.failed) return std::nullopt;
    return r;
}

std::optional<vrrp::RuleSpec> parse_rule_line(const Node& line, const std::string& section, Diagnostics& diag) {
    Words ws(line, section, diag);
    vrrp::RuleSpec r;
    bool have_table = false;
    auto selector = [&](const std::string& opt, std::optional<uint32_t>& addr, int& len) {
        auto s = ws.value(opt);
        if (!s) return;
        if (*s == "all") {
            addr.reset();
            len = 0;
            return;
        }
        if (auto p = prefix(ws, opt, *s, true)) {
            addr = p->address;
            len = p->len;
            if (len == 0) addr.reset();  // 0.0.0.0/0 is `all`
        }
    };
    while (ws.more()) {
        const std::string opt = ws.take();
        if (opt == "from") {
            selector(opt, r.from, r.from_prefix);
        } else if (opt == "to") {
            selector(opt, r.to, r.to_prefix);
        } else if (opt == "table" || opt == "lookup") {
            if (auto v = table(ws, opt)) {
                r.table = *v;
                have_table = true;
            }
        } else if (opt == "priority" || opt == "preference" || opt == "pref") {
            if (auto v = u32(ws, opt)) r.priority = *v;
        } else if (opt == "iif") {
            r.iif = interface_name(ws, opt);
        } else if (opt == "oif") {
            r.oif = interface_name(ws, opt);
        } else if (opt == "fwmark") {
            auto s = ws.value(opt);
            if (!s) break;
            auto slash = s->find('/');
            auto mark = number(s->substr(0, slash));
            auto mask = slash == std::string::npos ? std::optional<unsigned long long>() : number(s->substr(slash + 1));
            if (!mark || *mark > 0xffffffffULL || (slash != std::string::npos && (!mask || *mask > 0xffffffffULL)))
                ws.error("fwmark: '" + *s + "' is not MARK[/MASK] (numbers, 0x for hex)");
            else if (*mark == 0)
                ws.error("fwmark 0 matches nothing the kernel can tell from no mark; leave it out");
            else {
                r.fwmark = static_cast<uint32_t>(*mark);
                if (mask) r.fwmask = static_cast<uint32_t>(*mask);
            }
        } else if (opt == "tos" || opt == "dsfield") {
            if (auto v = u32(ws, opt, 0, 255)) r.tos = static_cast<uint8_t>(*v);
        } else if (opt == "no_track") {
        } else if (unsupported_rule_options().count(opt)) {
            ws.error("'" + opt + "' is a keepalived rule option director does not support");
        } else {
            ws.error("unknown option '" + opt + "' (known: from PREFIX, to PREFIX, table N, priority N, iif IF, "
                     "oif IF, fwmark N[/MASK], tos N, no_track)");
        }
    }
    if (!ws.failed && !have_table) ws.error("a rule needs 'table N' (director only adds rules that look up a table)");
    if (ws.failed) return std::nullopt;
    if (!r.priority)
        diag.warning(line.where, section + ": no priority; the kernel picks one, so the order against other rules "
                                           "may change between runs (write 'priority N')");
    return r;
}

namespace {

template <class Conf, class Parse>
void parse_block(const Node& block, std::vector<Conf>& out, Diagnostics& diag, Parse parse) {
    if (!block.args.empty()) diag.error(block.where, block.keyword + " takes no arguments, only a { } block");
    for (const Node& line : block.children) {
        if (line.has_block) {
            diag.error(line.where, block.keyword + ": '" + line.keyword + "' opens a block; one entry per line");
            continue;
        }
        auto spec = parse(line, block.keyword, diag);
        if (!spec) continue;
        Conf c{*spec, line.where};
        bool dup = false;
        for (const auto& earlier : out)
            if (earlier.spec == c.spec) {
                diag.error(line.where, block.keyword + ": '" + vrrp::describe(c.spec) + "' is already listed at " +
                                           earlier.where.str());
                dup = true;
                break;
            }
        if (!dup) out.push_back(std::move(c));
    }
}

}  // namespace

void parse_route_block(const Node& block, std::vector<RouteConf>& out, Diagnostics& diag) {
    parse_block(block, out, diag, parse_route_line);
}

void parse_rule_block(const Node& block, std::vector<RuleConf>& out, Diagnostics& diag) {
    parse_block(block, out, diag, parse_rule_line);
}

void parse_address_block(const Node& block, std::vector<StaticAddressConf>& out, Diagnostics& diag) {
    parse_block(block, out, diag, parse_address_line);
}

void parse_static_section(const Node& section, StaticNetworkConf& out, Diagnostics& diag) {
    if (section.keyword == "static_ipaddress") parse_address_block(section, out.addresses, diag);
    else if (section.keyword == "static_routes") parse_route_block(section, out.routes, diag);
    else if (section.keyword == "static_rules") parse_rule_block(section, out.rules, diag);
}

}  // namespace director::config
