#include "director/static_network.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "director/config/model.hpp"

namespace director {

namespace {

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

template <class Conf>
bool listed(const std::vector<Conf>& confs, const decltype(Conf::spec)& spec) {
    return std::any_of(confs.begin(), confs.end(), [&](const Conf& c) { return c.spec == spec; });
}

// Adds each listed spec not held yet; `kind` names it in the log ("static route").
template <class Conf, class Spec>
void add_each(const std::vector<Conf>& confs, std::vector<Spec>& held, vrrp::RouteManager& kernel, const char* kind,
              const std::function<void(const std::string&)>& failed) {
    for (const auto& c : confs) {
        if (contains(held, c.spec)) continue;
        if (auto err = kernel.add(c.spec)) {
            failed(std::string("adding ") + kind + " " + vrrp::describe(c.spec) + " (" + c.where.str() + "): " + *err);
            continue;
        }
        held.push_back(c.spec);
        spdlog::info("{} {} in place", kind, vrrp::describe(c.spec));
    }
}

// Removes each held spec for which `keep` is false.
template <class Spec, class Keep>
void remove_each(std::vector<Spec>& held, vrrp::RouteManager& kernel, const char* kind, Keep keep,
                 const std::function<void(const std::string&)>& failed) {
    for (auto it = held.begin(); it != held.end();) {
        if (keep(*it)) {
            ++it;
            continue;
        }
        if (auto err = kernel.remove(*it)) {
            failed(std::string("removing ") + kind + " " + vrrp::describe(*it) + ": " + *err);
            ++it;
            continue;
        }
        spdlog::info("{} {} removed", kind, vrrp::describe(*it));
        it = held.erase(it);
    }
}

template <class Conf, class Spec>
nlohmann::json listing(const std::vector<Conf>& confs, const std::vector<Spec>& held) {
    auto out = nlohmann::json::array();
    for (const auto& c : confs) out.push_back({{"entry", vrrp::describe(c.spec)}, {"held", contains(held, c.spec)}});
    // Held but no longer configured: a removal that failed at the last reload.
    for (const auto& s : held)
        if (!listed(confs, s)) out.push_back({{"entry", vrrp::describe(s)}, {"held", true}, {"configured", false}});
    return out;
}

}  // namespace

void StaticNetworkComponent::failed(const std::string& what) {
    last_error_ = what;
    spdlog::error("{}", what);
}

void StaticNetworkComponent::add_missing() {
    auto f = [this](const std::string& e) { failed(e); };
    add_each(conf_.addresses, addresses_held_, kernel_, "static_ipaddress", f);
    add_each(conf_.routes, routes_held_, kernel_, "static route", f);
    add_each(conf_.rules, rules_held_, kernel_, "static rule", f);
}

void StaticNetworkComponent::remove_unlisted(const config::StaticNetworkConf& keep) {
    auto f = [this](const std::string& e) { failed(e); };
    remove_each(rules_held_, kernel_, "static rule", [&](const auto& s) { return listed(keep.rules, s); }, f);
    remove_each(routes_held_, kernel_, "static route", [&](const auto& s) { return listed(keep.routes, s); }, f);
    remove_each(addresses_held_, kernel_, "static_ipaddress", [&](const auto& s) { return listed(keep.addresses, s); },
                f);
}

void StaticNetworkComponent::start() { add_missing(); }

void StaticNetworkComponent::stop(std::function<void()> done) {
    remove_unlisted({});
    done();
}

void StaticNetworkComponent::apply(const std::shared_ptr<const config::Config>& next_config, const reload::ConfigDiff&) {
    const config::Config& next = *next_config;
    // Held entries are compared with the new lists directly: that also retries what failed before.
    remove_unlisted(next.static_network);
    conf_ = next.static_network;
    add_missing();
}

nlohmann::json StaticNetworkComponent::status() const {
    nlohmann::json j{{"addresses", listing(conf_.addresses, addresses_held_)},
                     {"routes", listing(conf_.routes, routes_held_)},
                     {"rules", listing(conf_.rules, rules_held_)}};
    if (!last_error_.empty()) j["last_error"] = last_error_;
    return j;
}

std::unique_ptr<Component> make_static_network_component(boost::asio::io_context&, const config::Config& cfg,
                                                         const RunOptions&) {
    if (cfg.static_network.empty()) return nullptr;
    return std::make_unique<StaticNetworkComponent>(cfg.static_network);
}

}  // namespace director
