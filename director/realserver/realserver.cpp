#include "director/realserver/realserver.hpp"

#include <algorithm>
#include <stdexcept>

#include "director/realserver/vip_address.hpp"

namespace director::realserver {

bool Status::up() const {
    return address_present && std::all_of(sysctls.begin(), sysctls.end(),
                                          [](const SysctlStatus& s) { return s.value == s.wanted; });
}

RealServer::RealServer(Options opts) : opts_(std::move(opts)), sysctl_(opts_.proc_sys), store_(opts_.state_dir) {
    if (!is_ipv4(opts_.vip)) throw std::invalid_argument("--vip " + opts_.vip + ": not an IPv4 address");
    if (opts_.dev == "all" || opts_.dev == "default" || !sysctl_.has_dev(opts_.dev)) {
        throw std::invalid_argument("--dev " + opts_.dev + ": no such interface");
    }
}

std::vector<std::pair<ConfKey, std::string>> RealServer::wanted() const {
    // arp_ignore=1: answer ARP only for addresses on the interface the request came in on (not lo).
    // arp_announce=2: never use the VIP as the source of our own ARP requests.
    std::vector<std::pair<ConfKey, std::string>> w{{{"all", "arp_ignore"}, "1"}, {{"all", "arp_announce"}, "2"}};
    w.push_back({{opts_.dev, "arp_ignore"}, "1"});
    w.push_back({{opts_.dev, "arp_announce"}, "2"});
    return w;
}

namespace {
bool saved_elsewhere(const std::vector<State>& others, const ConfKey& key, std::string* value) {
    for (const auto& o : others) {
        for (const auto& s : o.saved) {
            if (s.key == key) {
                if (value) *value = s.value;
                return true;
            }
        }
    }
    return false;
}
}  // namespace

void RealServer::restore(const std::vector<SavedValue>& saved, std::vector<std::string>& changes) const {
    // A key another VIP still depends on keeps its value; that VIP's `down` restores it later.
    auto others = store_.others(opts_.vip);
    for (const auto& s : saved) {
        if (saved_elsewhere(others, s.key, nullptr)) continue;
        if (sysctl_.read(s.key) == s.value) continue;
        sysctl_.write(s.key, s.value);
        changes.push_back("restored " + s.key.str() + " = " + s.value);
    }
}

std::vector<std::string> RealServer::up() {
    VipAddress address(opts_.vip, opts_.dev);
    std::vector<std::string> changes;

    // Save the values from before the first `up` only: a second `up` must not record our own 1/2 as
    // the "earlier" values. Another VIP already up may have changed the shared "all" keys: take the
    // originals it saved.
    bool fresh = false;
    auto state = store_.load(opts_.vip);
    if (!state) {
        State s{opts_.vip, opts_.dev, {}};
        auto others = store_.others(opts_.vip);
        for (const auto& [key, value] : wanted()) {
            std::string original;
            if (!saved_elsewhere(others, key, &original)) {
                auto current = sysctl_.read(key);
                if (!current) throw std::runtime_error("cannot read " + key.str());
                original = *current;
            }
            s.saved.push_back({key, original});
        }
        store_.save(s);
        state = s;
        fresh = true;
    }

    bool added = false;
    try {
        for (const auto& [key, value] : wanted()) {
            if (sysctl_.read(key) == value) continue;
            sysctl_.write(key, value);
            changes.push_back("set " + key.str() + " = " + value);
        }
        added = address.add();
        if (added) changes.push_back("added " + opts_.vip + "/32 to " + opts_.dev);
    } catch (...) {
        // Leave the node as it was before this call.
        if (fresh) {
            std::vector<std::string> ignored;
            try {
                if (added) address.remove();
                restore(state->saved, ignored);
                store_.remove(opts_.vip);
            } catch (...) {
            }
        }
        throw;
    }
    return changes;
}

std::vector<std::string> RealServer::down() {
    VipAddress address(opts_.vip, opts_.dev);
    std::vector<std::string> changes;
    if (address.remove()) changes.push_back("removed " + opts_.vip + "/32 from " + opts_.dev);
    if (auto state = store_.load(opts_.vip)) {
        restore(state->saved, changes);
        store_.remove(opts_.vip);
    }
    return changes;
}

Status RealServer::status() const {
    Status st;
    st.address_present = VipAddress(opts_.vip, opts_.dev).present();
    for (const auto& [key, value] : wanted()) {
        st.sysctls.push_back({key, sysctl_.read(key).value_or(""), value});
    }
    st.state_file = store_.path_for(opts_.vip);
    std::error_code ec;
    st.state_saved = std::filesystem::exists(st.state_file, ec);
    return st;
}

}  // namespace director::realserver
