#include "vrrp/vip.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

namespace vrrp {

VipManager::VipManager() {
    sock_ = nl_socket_alloc();
    if (sock_ && nl_connect(sock_, NETLINK_ROUTE) < 0) {
        nl_socket_free(sock_);
        sock_ = nullptr;
    }
}

VipManager::~VipManager() {
    if (sock_) nl_socket_free(sock_);
}

std::string VipManager::add(const VipSpec& v) { return change(v, true); }
std::string VipManager::remove(const VipSpec& v) { return change(v, false); }

std::string VipManager::change(const VipSpec& v, bool add) {
    if (!sock_) return "cannot open a NETLINK_ROUTE socket";
    unsigned ifindex = if_nametoindex(v.dev.c_str());
    if (ifindex == 0) return "no interface " + v.dev;
    rtnl_addr* a = rtnl_addr_alloc();
    uint32_t be = htonl(v.address);
    nl_addr* local = nl_addr_build(AF_INET, &be, sizeof be);
    nl_addr_set_prefixlen(local, v.prefix);
    rtnl_addr_set_ifindex(a, static_cast<int>(ifindex));
    rtnl_addr_set_family(a, AF_INET);
    int err = rtnl_addr_set_local(a, local);
    rtnl_addr_set_prefixlen(a, v.prefix);
    if (!v.label.empty() && err == 0) err = rtnl_addr_set_label(a, v.label.c_str());
    if (err == 0) err = add ? rtnl_addr_add(sock_, a, 0) : rtnl_addr_delete(sock_, a, 0);
    nl_addr_put(local);
    rtnl_addr_put(a);
    // Idempotent on purpose: a VIP left by a killed run, or already gone, is not an error.
    if (err == 0 || (add && err == -NLE_EXIST) || (!add && (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND)))
        return "";
    return nl_geterror(err);
}

}  // namespace vrrp
