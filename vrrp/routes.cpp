#include "vrrp/routes.hpp"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "host/nl_ptr.hpp"

namespace vrrp {

namespace {

// libnl folds many errnos into "Unspecific failure"; keeping the kernel's own is what makes a log line
// ("Network is unreachable", "No such device") useful.
int remember_errno(sockaddr_nl*, nlmsgerr* e, void* arg) {
    *static_cast<int*>(arg) = -e->error;
    return NL_STOP;
}

using Addr = host::nl::Ptr<nl_addr>;

Addr ipv4(uint32_t host_order, int prefix) {
    uint32_t be = htonl(host_order);
    Addr a(nl_addr_build(AF_INET, &be, sizeof be));
    if (a) nl_addr_set_prefixlen(a.get(), prefix);
    return a;
}

// 0 when the object names an interface that is not there.
int ifindex_of(const std::string& dev) { return static_cast<int>(if_nametoindex(dev.c_str())); }

uint8_t kernel_type(RouteSpec::Type t) {
    switch (t) {
        case RouteSpec::Type::Unicast: return RTN_UNICAST;
        case RouteSpec::Type::Blackhole: return RTN_BLACKHOLE;
        case RouteSpec::Type::Unreachable: return RTN_UNREACHABLE;
        case RouteSpec::Type::Prohibit: return RTN_PROHIBIT;
    }
    return RTN_UNICAST;
}



// Host-order address and prefix of an nl_addr, or nullopt-like (false) when it carries none.
bool read_ipv4(nl_addr* a, uint32_t& addr, int& prefix) {
    if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != 4) return false;
    uint32_t be;
    std::memcpy(&be, nl_addr_get_binary_addr(a), 4);
    addr = ntohl(be);
    prefix = static_cast<int>(nl_addr_get_prefixlen(a));
    return true;
}

bool same_selector(nl_addr* kernel, const std::optional<uint32_t>& want, int want_prefix) {
    uint32_t addr = 0;
    int prefix = 0;
    bool has = read_ipv4(kernel, addr, prefix) && prefix > 0;
    if (!want || want_prefix == 0) return !has;
    return has && addr == *want && prefix == want_prefix;
}

bool same_name(const char* kernel, const std::string& want) { return want == (kernel ? kernel : ""); }

}  // namespace

RouteManager::RouteManager() {
    sock_ = nl_socket_alloc();
    if (sock_ && nl_connect(sock_, NETLINK_ROUTE) < 0) {
        nl_socket_free(sock_);
        sock_ = nullptr;
    }
    if (sock_) nl_socket_modify_err_cb(sock_, NL_CB_CUSTOM, remember_errno, &kernel_errno_);
}

RouteManager::~RouteManager() {
    if (sock_) nl_socket_free(sock_);
}

std::string RouteManager::reason(int nl_err) const {
    if (kernel_errno_ != 0) return std::strerror(kernel_errno_);
    return nl_geterror(nl_err);
}

Failure RouteManager::add(const AddressSpec& a) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    int ifindex = ifindex_of(a.dev);
    if (ifindex == 0) return "no interface " + a.dev;
    host::nl::Ptr<rtnl_addr> obj(rtnl_addr_alloc());
    Addr local = ipv4(a.address, a.prefix);
    if (!obj || !local) return "out of memory";
    rtnl_addr_set_family(obj.get(), AF_INET);
    rtnl_addr_set_ifindex(obj.get(), ifindex);
    int err = rtnl_addr_set_local(obj.get(), local.get());
    rtnl_addr_set_prefixlen(obj.get(), a.prefix);
    rtnl_addr_set_scope(obj.get(), a.scope);
    if (err == 0 && !a.label.empty()) err = rtnl_addr_set_label(obj.get(), a.label.c_str());
    Addr brd = a.broadcast ? ipv4(*a.broadcast, 32) : nullptr;
    if (err == 0 && brd) err = rtnl_addr_set_broadcast(obj.get(), brd.get());
    if (err != 0) return nl_geterror(err);  // a libnl setter failed; nothing reached the kernel
    return request([&] { return rtnl_addr_add(sock_, obj.get(), 0); }, {EEXIST});
}

Failure RouteManager::remove(const AddressSpec& a) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    int ifindex = ifindex_of(a.dev);
    if (ifindex == 0) return std::nullopt;  // the interface went, and its addresses with it
    host::nl::Ptr<rtnl_addr> obj(rtnl_addr_alloc());
    Addr local = ipv4(a.address, a.prefix);
    if (!obj || !local) return "out of memory";
    rtnl_addr_set_family(obj.get(), AF_INET);
    rtnl_addr_set_ifindex(obj.get(), ifindex);
    int err = rtnl_addr_set_local(obj.get(), local.get());
    rtnl_addr_set_prefixlen(obj.get(), a.prefix);
    if (err != 0) return nl_geterror(err);  // a libnl setter failed; nothing reached the kernel
    return request([&] { return rtnl_addr_delete(sock_, obj.get(), 0); }, {EADDRNOTAVAIL, ENOENT, ESRCH});
}

namespace {

// The route as the kernel is asked for it; the same object for add and delete, so a delete names exactly
// what the add created (type, scope and protocol are all part of the kernel's match).
host::nl::Ptr<rtnl_route> build_route(const RouteSpec& r, std::string& err) {
    host::nl::Ptr<rtnl_route> rt(rtnl_route_alloc());
    Addr dst = ipv4(r.dst, r.prefix);
    if (!rt || !dst) {
        err = "out of memory";
        return nullptr;
    }
    rtnl_route_set_family(rt.get(), AF_INET);
    rtnl_route_set_dst(rt.get(), dst.get());
    rtnl_route_set_table(rt.get(), r.table);
    rtnl_route_set_protocol(rt.get(), r.protocol);
    rtnl_route_set_scope(rt.get(), effective_scope(r));
    rtnl_route_set_type(rt.get(), kernel_type(r.type));
    if (r.metric) rtnl_route_set_priority(rt.get(), *r.metric);
    if (r.src) {
        Addr src = ipv4(*r.src, 32);
        if (!src || rtnl_route_set_pref_src(rt.get(), src.get()) < 0) {
            err = "cannot set the source address";
            return nullptr;
        }
    }
    if (r.type == RouteSpec::Type::Unicast && (r.via || !r.dev.empty())) {
        rtnl_nexthop* nh = rtnl_route_nh_alloc();
        if (!nh) {
            err = "out of memory";
            return nullptr;
        }
        if (r.via) {
            Addr gw = ipv4(*r.via, 32);
            if (gw) rtnl_route_nh_set_gateway(nh, gw.get());  // takes its own reference
        }
        if (!r.dev.empty()) rtnl_route_nh_set_ifindex(nh, ifindex_of(r.dev));
        if (r.onlink) rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
        rtnl_route_add_nexthop(rt.get(), nh);  // owned by the route from here
    }
    return rt;
}

}  // namespace

Failure RouteManager::request(const std::function<int()>& send, std::initializer_list<int> fine) {
    kernel_errno_ = 0;
    int err = send();
    if (err == 0) return std::nullopt;
    for (int e : fine)
        if (kernel_errno_ == e) return std::nullopt;
    return reason(err);
}

Failure RouteManager::add(const RouteSpec& r) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    if (!r.dev.empty() && ifindex_of(r.dev) == 0) return "no interface " + r.dev;
    std::string why;
    auto rt = build_route(r, why);
    if (!rt) return why;
    // NLM_F_CREATE without NLM_F_EXCL: an identical route answers EEXIST (taken over), another route to
    // the same destination stays and ours goes in front of it, as keepalived does.
    return request([&] { return rtnl_route_add(sock_, rt.get(), NLM_F_CREATE); }, {EEXIST});
}

Failure RouteManager::remove(const RouteSpec& r) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    if (!r.dev.empty() && ifindex_of(r.dev) == 0) return std::nullopt;  // went with its interface
    std::string why;
    auto rt = build_route(r, why);
    if (!rt) return why;
    return request([&] { return rtnl_route_delete(sock_, rt.get(), 0); }, {ESRCH, ENOENT});
}

namespace {

host::nl::Ptr<rtnl_rule> build_rule(const RuleSpec& r, std::string& err) {
    host::nl::Ptr<rtnl_rule> rule(rtnl_rule_alloc());
    if (!rule) {
        err = "out of memory";
        return nullptr;
    }
    rtnl_rule_set_family(rule.get(), AF_INET);
    rtnl_rule_set_action(rule.get(), FR_ACT_TO_TBL);
    rtnl_rule_set_table(rule.get(), r.table);
    if (r.priority) rtnl_rule_set_prio(rule.get(), *r.priority);
    if (r.from && r.from_prefix > 0) rtnl_rule_set_src(rule.get(), ipv4(*r.from, r.from_prefix).get());
    if (r.to && r.to_prefix > 0) rtnl_rule_set_dst(rule.get(), ipv4(*r.to, r.to_prefix).get());
    if (!r.iif.empty() && rtnl_rule_set_iif(rule.get(), r.iif.c_str()) < 0) err = "iif " + r.iif + ": name too long";
    if (!r.oif.empty() && rtnl_rule_set_oif(rule.get(), r.oif.c_str()) < 0) err = "oif " + r.oif + ": name too long";
    if (r.fwmark) {
        rtnl_rule_set_mark(rule.get(), *r.fwmark);
        if (r.fwmask) rtnl_rule_set_mask(rule.get(), *r.fwmask);
    }
    if (r.tos) rtnl_rule_set_dsfield(rule.get(), r.tos);
    if (!err.empty()) return nullptr;
    return rule;
}

}  // namespace

bool RouteManager::find_rule(const RuleSpec& r, uint32_t& priority, std::string& err) {
    nl_cache* raw = nullptr;
    kernel_errno_ = 0;
    if (int e = rtnl_rule_alloc_cache(sock_, AF_INET, &raw); e < 0) {
        err = "listing rules: " + reason(e);
        return false;
    }
    host::nl::Ptr<nl_cache> cache(raw);
    // The kernel stores a mark without a mask with mask 0xffffffff.
    uint32_t want_mark = r.fwmark.value_or(0);
    uint32_t want_mask = r.fwmark ? r.fwmask.value_or(0xffffffff) : 0;
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto* k = reinterpret_cast<rtnl_rule*>(o);
        if (rtnl_rule_get_family(k) != AF_INET || rtnl_rule_get_action(k) != FR_ACT_TO_TBL) continue;
        if (rtnl_rule_get_table(k) != r.table) continue;
        if (r.priority && rtnl_rule_get_prio(k) != *r.priority) continue;
        if (!same_selector(rtnl_rule_get_src(k), r.from, r.from_prefix)) continue;
        if (!same_selector(rtnl_rule_get_dst(k), r.to, r.to_prefix)) continue;
        if (!same_name(rtnl_rule_get_iif(k), r.iif) || !same_name(rtnl_rule_get_oif(k), r.oif)) continue;
        if (rtnl_rule_get_mark(k) != want_mark || (want_mark != 0 && rtnl_rule_get_mask(k) != want_mask)) continue;
        if (rtnl_rule_get_dsfield(k) != r.tos) continue;
        priority = rtnl_rule_get_prio(k);
        return true;
    }
    return false;
}

// Rules are looked up first: the kernel accepts a second identical rule (with another priority when
// none is written), so "already there" has to be decided here for an add to be idempotent.
Failure RouteManager::add(const RuleSpec& r) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    std::string why;
    uint32_t prio = 0;
    if (find_rule(r, prio, why)) return std::nullopt;
    if (!why.empty()) return why;
    auto rule = build_rule(r, why);
    if (!rule) return why;
    return request([&] { return rtnl_rule_add(sock_, rule.get(), NLM_F_EXCL); }, {EEXIST});
}

// Deleted by the exact priority found: a delete without one would take the first rule that merely
// matches the given selectors, which may be someone else's.
Failure RouteManager::remove(const RuleSpec& r) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    for (int guard = 0; guard < 64; ++guard) {  // duplicates a killed run may have left, one by one
        std::string why;
        uint32_t prio = 0;
        if (!find_rule(r, prio, why)) return why.empty() ? Failure() : Failure(why);  // gone already: done
        RuleSpec exact = r;
        exact.priority = prio;
        auto rule = build_rule(exact, why);
        if (!rule) return why;
        auto err = request([&] { return rtnl_rule_delete(sock_, rule.get(), 0); }, {ENOENT, ESRCH});
        if (err) return err;
    }
    return std::nullopt;
}

}  // namespace vrrp
