#pragma once
// static_ipaddress, static_routes and static_rules: put in place when the daemon starts (before any other
// part, so VRRP and IPVS find the addresses and routes they may rely on), taken out on a clean stop, and
// edited one entry at a time by a reload. VRRP never moves them.
//
// An entry already in the kernel at start (left by a killed run, or added by hand) is taken over, not an
// error. One that cannot be added is logged, shown in status and tried again at the next reload.
#include <string>
#include <vector>

#include "director/component.hpp"
#include "director/components.hpp"
#include "director/config/route_conf.hpp"
#include "vrrp/routes.hpp"

namespace director {

class StaticNetworkComponent : public Component {
public:
    explicit StaticNetworkComponent(config::StaticNetworkConf conf) : conf_(std::move(conf)) {}
    void start() override;
    void stop(std::function<void()> done) override;
    void apply(const std::shared_ptr<const config::Config>& next, const reload::ConfigDiff& diff) override;
    nlohmann::json status() const override;
    const char* name() const override { return "static"; }

    const std::vector<vrrp::AddressSpec>& addresses_held() const { return addresses_held_; }
    const std::vector<vrrp::RouteSpec>& routes_held() const { return routes_held_; }
    const std::vector<vrrp::RuleSpec>& rules_held() const { return rules_held_; }

private:
    // Adds what `conf_` lists and is not held yet: addresses, then routes (which may go through them),
    // then rules (which point at the routes' tables).
    void add_missing();
    // Removes what is held and `keep` does not list, in the opposite order.
    void remove_unlisted(const config::StaticNetworkConf& keep);
    void failed(const std::string& what);

    config::StaticNetworkConf conf_;
    vrrp::RouteManager kernel_;
    std::vector<vrrp::AddressSpec> addresses_held_;
    std::vector<vrrp::RouteSpec> routes_held_;
    std::vector<vrrp::RuleSpec> rules_held_;
    std::string last_error_;
};

}  // namespace director
