#include "host/rtnl.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <cstring>
#include <memory>

#include "host/ipv4.hpp"
#include "host/nl_ptr.hpp"
#include "host/rtnl_reply.hpp"

namespace host {

namespace {

using Addr = nl::Ptr<rtnl_addr>;

std::string text(const Ipv4Address& a) { return format_ipv4(a.address) + "/" + std::to_string(a.prefix); }

Addr request(const Ipv4Address& a) {
    Addr addr(rtnl_addr_alloc());
    uint32_t be = htonl(a.address);
    nl::Ptr<nl_addr> local(nl_addr_build(AF_INET, &be, sizeof be));
    if (!addr || !local) throw NetlinkError("address " + text(a), -NLE_NOMEM);
    nl_addr_set_prefixlen(local.get(), a.prefix);
    rtnl_addr_set_ifindex(addr.get(), a.ifindex);
    rtnl_addr_set_family(addr.get(), AF_INET);
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0)  // takes its own reference
        throw NetlinkError("address " + text(a), err);
    rtnl_addr_set_prefixlen(addr.get(), a.prefix);
    if (!a.label.empty())
        if (int err = rtnl_addr_set_label(addr.get(), a.label.c_str()); err < 0)
            throw NetlinkError("label " + a.label, err);
    return addr;
}

}  // namespace

NetlinkError::NetlinkError(const std::string& what, int code)
    : std::runtime_error(what + ": " + nl_geterror(code)), code_(code), reason_(nl_geterror(code)) {}

int interface_index(const std::string& name) { return static_cast<int>(if_nametoindex(name.c_str())); }

Rtnl::Rtnl() : sock_(nl_socket_alloc()) {
    if (!sock_) throw NetlinkError("rtnetlink socket", -NLE_NOMEM);
    if (int err = nl_connect(sock_, NETLINK_ROUTE); err < 0) {
        nl_socket_free(sock_);
        throw NetlinkError("rtnetlink connect", err);
    }
}

Rtnl::~Rtnl() { nl_socket_free(sock_); }

bool Rtnl::add_address(const Ipv4Address& a) {
    auto addr = request(a);
    // EXCL so an existing address is reported (the kernel answers EEXIST without REPLACE anyway).
    int err = rtnl_addr_add(sock_, addr.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err == -NLE_EXIST) return false;
    if (err < 0) throw NetlinkError("add " + text(a), err);
    return true;
}

bool Rtnl::remove_address(const Ipv4Address& a) {
    auto addr = request(a);
    int err = rtnl_addr_delete(sock_, addr.get(), 0);
    if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND) return false;
    if (err < 0) throw NetlinkError("remove " + text(a), err);
    return true;
}

bool Rtnl::has_address(const Ipv4Address& a) {
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock_, &raw); err < 0) throw NetlinkError("list addresses", err);
    nl::Ptr<nl_cache> cache(raw);
    uint32_t want = htonl(a.address);
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto f = rtnl::address_facts(reinterpret_cast<rtnl_addr*>(o));
        if (f.family == AF_INET && f.ifindex == a.ifindex && f.prefixlen == a.prefix &&
            f.local.size() == sizeof want && std::memcmp(f.local.data(), &want, sizeof want) == 0)
            return true;
    }
    return false;
}

}  // namespace host
