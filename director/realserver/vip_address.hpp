#pragma once
// VIP/32 on an interface through rtnetlink (libnl-route-3), in the caller's network namespace.
#include <string>

namespace director::realserver {

class VipAddress {
public:
    // Throws std::invalid_argument unless `vip` is a dotted IPv4 address and `dev` an existing interface.
    VipAddress(const std::string& vip, const std::string& dev);
    bool present() const;
    // Both return whether they changed anything; both throw std::runtime_error on netlink errors.
    bool add() const;
    bool remove() const;
    const std::string& vip() const { return vip_; }
    const std::string& dev() const { return dev_; }

private:
    std::string vip_;
    std::string dev_;
    int ifindex_ = 0;
};

// True when `text` is a dotted-quad IPv4 address (no prefix length, no port).
bool is_ipv4(const std::string& text);

}  // namespace director::realserver
