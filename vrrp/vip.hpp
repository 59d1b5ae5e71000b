#pragma once
// Adds and removes the virtual addresses through rtnetlink (libnl-route-3), with the prefix, device and
// label from the config: the same result as `ip addr add VIP/PREFIX dev DEV label LABEL`.
#include <cstdint>
#include <memory>
#include <string>

#include "vrrp/failure.hpp"

namespace host {
class Rtnl;
}

namespace vrrp {

struct VipSpec {
    uint32_t address = 0;  // host order
    int prefix = 32;
    std::string dev;       // resolved: never empty here
    std::string label;
    bool advertised = true;  // false for virtual_ipaddress_excluded
    bool operator==(const VipSpec&) const = default;
};

class VipManager {
public:
    VipManager();
    ~VipManager();
    VipManager(const VipManager&) = delete;
    VipManager& operator=(const VipManager&) = delete;

    // Both return "" on success, else why. Adding a present address and removing an absent one succeed.
    Failure add(const VipSpec& v);
    Failure remove(const VipSpec& v);

private:
    Failure change(const VipSpec& v, bool add);
    std::unique_ptr<host::Rtnl> nl_;  // null when the socket could not be opened
};

}  // namespace vrrp
