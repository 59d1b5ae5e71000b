#pragma once
// The state each vrrp_instance is in (MASTER, BACKUP, ...), as the VRRP component last published it, for
// the parts that follow an instance: the IPVS sync daemon runs as master or backup with the instance
// lvs_sync_daemon names. The Daemon owns the one object both components are given.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace director {

class InstanceStates {
public:
    // Listeners run on every change, on the daemon's thread, with the instance's name.
    void set(const std::string& instance, const std::string& state) {
        auto& s = states_[instance];
        if (s == state) return;
        s = state;
        for (auto& f : listeners_) f(instance);
    }
    // "" while the instance has not published a state (not started, or unknown).
    std::string get(const std::string& instance) const {
        auto it = states_.find(instance);
        return it == states_.end() ? std::string() : it->second;
    }
    void subscribe(std::function<void(const std::string&)> f) { listeners_.push_back(std::move(f)); }

private:
    std::map<std::string, std::string> states_;
    std::vector<std::function<void(const std::string&)>> listeners_;
};

}  // namespace director
