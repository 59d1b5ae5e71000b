#include "director/realserver/vip_address.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "director/rtnl/reply.hpp"

namespace director::realserver {

namespace {

struct SockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct AddrFree {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrFree {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct CacheFree {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};

std::unique_ptr<nl_sock, SockFree> connect_route() {
    std::unique_ptr<nl_sock, SockFree> sk(nl_socket_alloc());
    if (!sk) throw std::runtime_error("netlink: out of memory");
    if (int err = nl_connect(sk.get(), NETLINK_ROUTE); err < 0) {
        throw std::runtime_error(std::string("netlink: cannot connect: ") + nl_geterror(err));
    }
    return sk;
}

std::unique_ptr<rtnl_addr, AddrFree> make_addr(const std::string& vip, int ifindex) {
    std::unique_ptr<rtnl_addr, AddrFree> addr(rtnl_addr_alloc());
    nl_addr* raw = nullptr;
    if (!addr || nl_addr_parse((vip + "/32").c_str(), AF_INET, &raw) < 0) {
        throw std::runtime_error("netlink: cannot build address " + vip + "/32");
    }
    std::unique_ptr<nl_addr, NlAddrFree> local(raw);
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), AF_INET);
    rtnl_addr_set_local(addr.get(), local.get());  // takes its own reference
    rtnl_addr_set_prefixlen(addr.get(), 32);
    return addr;
}

}  // namespace

bool is_ipv4(const std::string& text) {
    in_addr a{};
    return inet_pton(AF_INET, text.c_str(), &a) == 1;
}

VipAddress::VipAddress(const std::string& vip, const std::string& dev) : vip_(vip), dev_(dev) {
    if (!is_ipv4(vip)) throw std::invalid_argument("--vip " + vip + ": not an IPv4 address");
    ifindex_ = static_cast<int>(if_nametoindex(dev.c_str()));
    if (ifindex_ == 0) throw std::invalid_argument("--dev " + dev + ": no such interface");
}

bool VipAddress::present() const {
    auto sk = connect_route();
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sk.get(), &raw); err < 0) {
        throw std::runtime_error(std::string("netlink: cannot list addresses: ") + nl_geterror(err));
    }
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    in_addr want{};
    inet_pton(AF_INET, vip_.c_str(), &want);
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto f = rtnl::address_facts(reinterpret_cast<rtnl_addr*>(o));
        if (f.family == AF_INET && f.ifindex == ifindex_ && f.prefixlen == 32 && f.local.size() == sizeof(want) &&
            std::memcmp(f.local.data(), &want, sizeof(want)) == 0) {
            return true;
        }
    }
    return false;
}

bool VipAddress::add() const {
    auto sk = connect_route();
    auto addr = make_addr(vip_, ifindex_);
    int err = rtnl_addr_add(sk.get(), addr.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err == -NLE_EXIST) return false;
    if (err < 0) {
        throw std::runtime_error("cannot add " + vip_ + "/32 to " + dev_ + ": " + nl_geterror(err));
    }
    return true;
}

bool VipAddress::remove() const {
    if (!present()) return false;
    auto sk = connect_route();
    auto addr = make_addr(vip_, ifindex_);
    int err = rtnl_addr_delete(sk.get(), addr.get(), 0);
    if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND) return false;
    if (err < 0) {
        throw std::runtime_error("cannot remove " + vip_ + "/32 from " + dev_ + ": " + nl_geterror(err));
    }
    return true;
}

}  // namespace director::realserver
