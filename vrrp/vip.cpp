#include "vrrp/vip.hpp"

#include "host/rtnl.hpp"

namespace vrrp {

VipManager::VipManager() {
    try {
        nl_ = std::make_unique<host::Rtnl>();
    } catch (const host::NetlinkError&) {
        // Reported by every add/remove, so a later VRRP transition says why its VIPs did not move.
    }
}

VipManager::~VipManager() = default;

Failure VipManager::add(const VipSpec& v) { return change(v, true); }
Failure VipManager::remove(const VipSpec& v) { return change(v, false); }

Failure VipManager::change(const VipSpec& v, bool add) {
    if (!nl_) return "cannot open a NETLINK_ROUTE socket";
    int ifindex = host::interface_index(v.dev);
    if (ifindex == 0) return "no interface " + v.dev;
    host::Ipv4Address a{ifindex, v.address, v.prefix, v.label};
    // Idempotent on purpose: a VIP left by a killed run, or already gone, is not an error.
    try {
        if (add) nl_->add_address(a);
        else nl_->remove_address(a);
    } catch (const host::NetlinkError& e) {
        return e.reason();
    }
    return std::nullopt;
}

}  // namespace vrrp
