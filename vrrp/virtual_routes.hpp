#pragma once
// An instance's virtual_routes and virtual_rules: held while it is MASTER, exactly like its VIPs. Routes go
// in after the VIPs (a route may use a VIP as its source or reach its gateway through a VIP's subnet) and
// rules after the routes they point at; removal runs the other way round.
#include <functional>
#include <string>
#include <vector>

#include "vrrp/route_spec.hpp"
#include "vrrp/routes.hpp"

namespace vrrp {

class VirtualRoutes {
public:
    using Report = std::function<void(const std::string& error)>;

    // `instance` names the owner in log lines.
    explicit VirtualRoutes(std::string instance) : instance_(std::move(instance)) {}

    // Becoming MASTER: adds every route, then every rule. A failure is reported and the rest go on.
    void hold(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules, const Report& error);
    // Leaving MASTER (and stopping): removes the rules, then the routes, configured or held.
    void release(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules, const Report& error);
    // Before the first election: what a killed earlier run left is removed, quietly when already gone.
    void drop_stale(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules);
    // A reload changed the lists: held ones no longer configured are removed; a master adds the new ones.
    void update(const std::vector<RouteSpec>& routes, const std::vector<RuleSpec>& rules, bool master,
                const Report& error);

    const std::vector<RouteSpec>& routes_held() const { return routes_held_; }
    const std::vector<RuleSpec>& rules_held() const { return rules_held_; }

private:
    void add(const RouteSpec& r, const Report& error);
    void add(const RuleSpec& r, const Report& error);
    void remove(const RouteSpec& r, const Report& error);
    void remove(const RuleSpec& r, const Report& error);

    std::string instance_;
    RouteManager kernel_;
    std::vector<RouteSpec> routes_held_;
    std::vector<RuleSpec> rules_held_;
};

}  // namespace vrrp
