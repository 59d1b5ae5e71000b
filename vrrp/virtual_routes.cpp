#include "vrrp/virtual_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace vrrp {

namespace {

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

void VirtualRoutes::add(const RouteSpec& r, const Report& error) {
    if (auto err = kernel_.add(r)) return error("adding virtual route " + describe(r) + ": " + *err);
    if (contains(routes_held_, r)) return;
    routes_held_.push_back(r);
    // Operators grep for these, as for the VIP lines, to see where the routes went.
    spdlog::info("VRRP_Instance({}) added virtual route {}", instance_, describe(r));
}

void VirtualRoutes::add(const RuleSpec& r, const Report& error) {
    if (auto err = kernel_.add(r)) return error("adding virtual rule " + describe(r) + ": " + *err);
    if (contains(rules_held_, r)) return;
    rules_held_.push_back(r);
    spdlog::info("VRRP_Instance({}) added virtual rule {}", instance_, describe(r));
}

void VirtualRoutes::remove(const RouteSpec& r, const Report& error) {
    if (auto err = kernel_.remove(r)) return error("removing virtual route " + describe(r) + ": " + *err);
    if (std::erase(routes_held_, r) > 0) spdlog::info("VRRP_Instance({}) removed virtual route {}", instance_, describe(r));
}

void VirtualRoutes::remove(const RuleSpec& r, const Report& error) {
    if (auto err = kernel_.remove(r)) return error("removing virtual rule " + describe(r) + ": " + *err);
    if (std::erase(rules_held_, r) > 0) spdlog::info("VRRP_Instance({}) removed virtual rule {}", instance_, describe(r));
}

void VirtualRoutes::hold(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules,
                         const Report& error) {
    for (const auto& r : routes) add(r, error);
    for (const auto& r : rules) add(r, error);
}

void VirtualRoutes::release(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules,
                            const Report& error) {
    auto held_rules = rules_held_;
    for (const auto& r : rules) remove(r, error);
    for (const auto& r : held_rules)
        if (!contains(rules, r)) remove(r, error);
    auto held_routes = routes_held_;
    for (const auto& r : routes) remove(r, error);
    for (const auto& r : held_routes)
        if (!contains(routes, r)) remove(r, error);
}

void VirtualRoutes::drop_stale(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules) {
    auto warn = [this](const std::string& e) { spdlog::warn("VRRP_Instance({}) stale: {}", instance_, e); };
    for (const auto& r : rules) remove(r, warn);
    for (const auto& r : routes) remove(r, warn);
}

void VirtualRoutes::update(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules, bool master,
                           const Report& error) {
    auto held_rules = rules_held_;
    for (const auto& r : held_rules)
        if (!contains(rules, r)) remove(r, error);
    auto held_routes = routes_held_;
    for (const auto& r : held_routes)
        if (!contains(routes, r)) remove(r, error);
    if (!master) return;
    for (const auto& r : routes)
        if (!contains(routes_held_, r)) add(r, error);
    for (const auto& r : rules)
        if (!contains(rules_held_, r)) add(r, error);
}

}  // namespace vrrp
