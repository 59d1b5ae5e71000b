// `director backend drain|enable ADDR:PORT [--service VIP:PORT]`: an operator takes one real server out
// of service by hand (an apiserver host about to be upgraded) and puts it back.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "director/config/values.hpp"
#include "director/ipvs/types.hpp"
#include "director/lvs_component.hpp"

namespace director {

namespace {

// "198.18.1.1:6443" in the one spelling the state file and status use; nullopt when it is not ADDR:PORT.
std::optional<std::string> normalize_addr_port(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    auto addr = config::parse_ipv4(text.substr(0, colon));
    std::string port = text.substr(colon + 1);
    if (!addr || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    long p = std::stol(port);
    if (p < 1 || p > 65535) return std::nullopt;
    return ipvs::format_addr_port(*addr, static_cast<uint16_t>(p));
}

std::string service_text(const ipvs::ServiceKey& k) {
    return k.fwmark ? "fwmark " + std::to_string(k.fwmark) : ipvs::format_addr_port(k.address, k.port);
}

}  // namespace

lvs::RealServerDecision LvsComponent::HandDrainedView::decide(size_t vs, size_t rs, int32_t configured_weight) const {
    auto d = owner_.health().decide(vs, rs, configured_weight);
    if (owner_.hand_drained(vs, rs)) d.weight = 0;
    return d;
}

bool LvsComponent::HandDrainedView::use_sorry_server(size_t vs) const { return owner_.health().use_sorry_server(vs); }

bool LvsComponent::hand_drained(size_t vs, size_t rs) const {
    if (hand_drains_.empty()) return false;
    const auto& v = cfg_->virtual_servers[vs];
    const auto& r = v.real_servers[rs];
    std::string backend = ipvs::format_addr_port(r.address, r.port);
    if (hand_drains_.count(state::drain_key("", backend))) return true;
    if (v.group.empty()) return hand_drains_.count(state::drain_key(service_text(v.key), backend)) > 0;
    // A group has one set of real servers for all its services: a drain naming any of them drains the
    // real server in every one (its health verdict is shared the same way). The drains are few and a
    // group may have thousands of services, so the drains are looked at, not the services.
    const std::string prefix = state::drain_key("x", backend);
    const std::string head = prefix.substr(0, prefix.size() - 1);  // "ADDR:PORT in "
    for (const auto& [key, since] : hand_drains_) {
        if (key.rfind(head, 0) != 0) continue;
        const std::string service = key.substr(head.size());
        for (const auto& k : v.members)
            if (service_text(k) == service) return true;
    }
    return false;
}

void LvsComponent::backend_request(const nlohmann::json& args, std::function<void(const nlohmann::json&)> reply) {
    auto str = [&](const char* k) { return args.contains(k) && args[k].is_string() ? args[k].get<std::string>() : ""; };
    const std::string action = str("action");
    if (action != "drain" && action != "enable" && action != "query")
        return reply({{"ok", false}, {"error", "backend: action must be drain, enable or query"}});
    auto backend = normalize_addr_port(str("backend"));
    if (!backend) return reply({{"ok", false}, {"error", "backend: '" + str("backend") + "' is not ADDR:PORT"}});
    std::string service;
    if (!str("service").empty()) {
        auto s = normalize_addr_port(str("service"));
        if (!s) return reply({{"ok", false}, {"error", "--service: '" + str("service") + "' is not VIP:PORT"}});
        service = *s;
    }
    // The configured real servers this names.
    std::vector<std::pair<size_t, size_t>> matches;
    for (size_t v = 0; v < cfg_->virtual_servers.size(); ++v) {
        const auto& vs = cfg_->virtual_servers[v];
        auto keys = vs.service_keys();
        if (!service.empty() && std::none_of(keys.begin(), keys.end(),
                                             [&](const ipvs::ServiceKey& k) { return service_text(k) == service; }))
            continue;
        for (size_t r = 0; r < vs.real_servers.size(); ++r)
            if (ipvs::format_addr_port(vs.real_servers[r].address, vs.real_servers[r].port) == *backend)
                matches.push_back({v, r});
    }
    const std::string key = state::drain_key(service, *backend);
    // A drain recorded for a server the config no longer has can still be lifted, or it would stay forever.
    bool stale = matches.empty() && action == "enable" && hand_drains_.count(key) > 0;
    if (matches.empty() && !stale)
        return reply({{"ok", false},
                      {"error", "no real_server " + *backend + (service.empty() ? "" : " in virtual_server " + service) +
                                    " in " + cfg_->path}});
    std::string message;
    if (action != "query") {
        bool on = action == "drain";
        bool changed = on != (hand_drains_.count(key) > 0);
        try {
            // Recorded before it takes effect: a restart right after must find it.
            if (store_) store_->set_drained(key, on);
        } catch (const std::exception& e) {
            return reply({{"ok", false}, {"error", std::string("cannot record it in the state dir: ") + e.what()}});
        }
        if (on) hand_drains_.emplace(key, store_ ? store_->get().drained.at(key) : 0);
        else hand_drains_.erase(key);
        message = changed ? (on ? "drained by hand: weight 0, no new connections" : "enabled: health checks decide again")
                          : (on ? "already drained by hand" : "was not drained by hand");
        spdlog::info("control: backend {} {}: {}", action, key, message);
        if (opts_.events && changed)
            opts_.events->record({0, {}, "drain", key, on ? "enabled" : "drained by hand", on ? "drained by hand" : "enabled",
                                  "director backend " + action});
    }
    request_pass();
    settled([this, matches, key, message, reply = std::move(reply)] {
        nlohmann::json servers = nlohmann::json::array();
        uint64_t active = 0;
        std::map<ipvs::ServiceKey, const ipvs::ServiceState*> seen;
        for (const auto& s : *seen_) seen[s.service.key] = &s;
        for (auto [v, r] : matches) {
            const auto& vs = cfg_->virtual_servers[v];
            const auto& rs = vs.real_servers[r];
            // One entry per kernel service: a group's real server is in each of its services.
            for (const auto& k : vs.service_keys()) {
                nlohmann::json j{{"service", service_text(k)}, {"hand_drained", hand_drained(v, r)}, {"in_table", false}};
                if (!vs.group.empty()) j["group"] = vs.group;
                if (auto s = seen.find(k); s != seen.end())
                    for (const auto& d : s->second->destinations)
                        if (d.dest.address == rs.address && d.dest.port == rs.port) {
                            j["in_table"] = true;
                            j["weight"] = d.dest.weight;
                            j["active_conns"] = d.active_conns;
                            j["inactive_conns"] = d.inactive_conns;
                            active += d.active_conns;
                        }
                servers.push_back(j);
            }
        }
        nlohmann::json out{{"ok", connected_}, {"backend", key}, {"servers", servers}, {"active_conns", active}};
        if (!message.empty()) out["message"] = message;
        if (auto it = hand_drains_.find(key); it != hand_drains_.end()) out["drained_since"] = it->second;
        if (!connected_) out["error"] = "IPVS unavailable: " + last_error_;
        reply(out);
    });
}

}  // namespace director
