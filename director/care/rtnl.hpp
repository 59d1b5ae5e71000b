#pragma once
// The few rtnetlink operations care mode needs, over libnl-route-3. Every call throws std::runtime_error
// with libnl's message on failure; "already there" / "already gone" are not failures.
#include <cstdint>
#include <memory>
#include <string>

#include "host/rtnl.hpp"

namespace director::care {

class Rtnl {
public:
    // dst/32 via gateway with this metric in the main table; replaces only a route with the same
    // (dst, metric), so a user's own route to the VIP at another metric is left alone.
    void replace_host_route(uint32_t dst, uint32_t gateway, uint32_t metric);
    bool delete_host_route(uint32_t dst, uint32_t gateway, uint32_t metric);  // false: was not there

    // 0 if absent; throws if `name` exists but is not a dummy (we never take over someone's interface).
    int dummy_ifindex(const std::string& name);
    int ensure_dummy(const std::string& name);
    bool delete_dummy(const std::string& name);
    void ensure_address(int ifindex, uint32_t address);  // address/32

private:
    nl_sock* socket() const { return nl_.socket(); }
    host::Rtnl nl_;
};

}  // namespace director::care
