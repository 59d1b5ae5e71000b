#include "director/realserver/vip_address.hpp"

#include <stdexcept>

#include "host/ipv4.hpp"
#include "host/rtnl.hpp"

namespace director::realserver {

namespace {
host::Ipv4Address vip_at(const std::string& vip, int ifindex) {
    return {ifindex, host::parse_ipv4(vip).value_or(0), 32, ""};
}
}  // namespace

bool is_ipv4(const std::string& text) { return host::parse_ipv4(text).has_value(); }

VipAddress::VipAddress(const std::string& vip, const std::string& dev) : vip_(vip), dev_(dev) {
    if (!is_ipv4(vip)) throw std::invalid_argument("--vip " + vip + ": not an IPv4 address");
    ifindex_ = host::interface_index(dev);
    if (ifindex_ == 0) throw std::invalid_argument("--dev " + dev + ": no such interface");
}

bool VipAddress::present() const { return host::Rtnl().has_address(vip_at(vip_, ifindex_)); }

bool VipAddress::add() const {
    try {
        return host::Rtnl().add_address(vip_at(vip_, ifindex_));
    } catch (const host::NetlinkError& e) {
        throw std::runtime_error("cannot add " + vip_ + "/32 to " + dev_ + ": " + e.reason());
    }
}

bool VipAddress::remove() const {
    if (!present()) return false;
    try {
        return host::Rtnl().remove_address(vip_at(vip_, ifindex_));
    } catch (const host::NetlinkError& e) {
        throw std::runtime_error("cannot remove " + vip_ + "/32 from " + dev_ + ": " + e.reason());
    }
}

}  // namespace director::realserver
