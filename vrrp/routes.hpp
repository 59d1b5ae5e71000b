#pragma once
// Adds and removes addresses, routes and rules through rtnetlink (libnl-route-3), with the same result as
// `ip addr add`, `ip route add` (keepalived's default: a route beside an existing one with the same
// destination goes in front of it) and `ip rule add`.
//
// Every call is idempotent, as keepalived is across restarts: adding what is already there (left by an
// earlier run that was killed, or put there by hand) succeeds and the object is taken over; removing
// what is already gone succeeds.
#include <functional>
#include <initializer_list>
#include <string>

#include "vrrp/failure.hpp"
#include "vrrp/route_spec.hpp"

struct nl_sock;

namespace vrrp {

class RouteManager {
public:
    RouteManager();
    ~RouteManager();
    RouteManager(const RouteManager&) = delete;
    RouteManager& operator=(const RouteManager&) = delete;

    // Each returns "" on success, else why (the kernel's reason, e.g. "Network is unreachable").
    Failure add(const AddressSpec& a);
    Failure remove(const AddressSpec& a);
    Failure add(const RouteSpec& r);
    Failure remove(const RouteSpec& r);
    Failure add(const RuleSpec& r);
    Failure remove(const RuleSpec& r);

private:
    // The kernel's errno for the last refused request (0 when libnl failed before asking it).
    std::string reason(int nl_err) const;
    // Sends one request (`send` returns libnl's result): "" when it succeeded or the kernel's errno is one of
    // `fine` (already there, already gone), else the reason.
    Failure request(const std::function<int()>& send, std::initializer_list<int> fine);
    // The priority of a rule in the kernel equal to `r` in everything but an unset priority.
    bool find_rule(const RuleSpec& r, uint32_t& priority, std::string& err);

    nl_sock* sock_ = nullptr;
    int kernel_errno_ = 0;
};

}  // namespace vrrp
