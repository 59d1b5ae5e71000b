#pragma once
// What a reload changes: the running config against the newly read one, section by section, matched by
// name (vrrp_instance, vrrp_script) or by key (virtual_server address/port/fwmark or group and protocol,
// real_server address/port). File positions never count as a change: a comment added above a section changes nothing.
// The components apply the result (director/vrrp_component.cpp, director/lvs_component.cpp); the IPVS
// table itself is still reconciled against the kernel, this only says what to keep.
#include <cstdint>
#include <string>
#include <vector>

#include "director/config/model.hpp"

namespace director::reload {

enum class Change {
    Unchanged,
    Updated,   // kept, with the differences listed in `settings` (and the VIP lists for an instance)
    Added,
    Removed,
    Replaced,  // vrrp_instance only: a setting that defines the router changed; removed + started afresh
};
const char* to_string(Change c);

struct InstanceDiff {
    std::string name;
    Change change = Change::Unchanged;
    std::vector<config::VrrpVipConf> vips_added, vips_removed;
    // "priority 100 -> 150"; for Replaced the settings that forced it ("interface eth0 -> eth1").
    std::vector<std::string> settings;
};

struct ScriptDiff {
    std::string name;
    Change change = Change::Unchanged;  // Updated: a new definition, so its state starts afresh
};

struct RealServerDiff {
    uint32_t address = 0;
    uint16_t port = 0;
    Change change = Change::Unchanged;
    std::vector<std::string> settings;  // "weight 1 -> 3"
    // The health checks differ (their own blocks, or what they inherit from the virtual_server): the
    // checker state starts afresh. False for Added and Removed.
    bool checkers_changed = false;
};

struct VirtualServerDiff {
    ipvs::ServiceKey key;
    Change change = Change::Unchanged;
    std::vector<std::string> settings;          // "lb_algo rr -> wlc"
    std::vector<RealServerDiff> real_servers;   // every real server of either side, for a kept service
    // `virtual_server group NAME` (matched by group and protocol, `key` holding only the protocol): the
    // kernel services its group gained and lost. The kept ones keep their real servers and counters.
    std::string group;
    std::vector<ipvs::ServiceKey> members_added, members_removed;
    std::string name() const;  // as VirtualServerConf::name()
};

struct ConfigDiff {
    std::vector<InstanceDiff> instances;        // the new file's order, then the removed ones
    std::vector<ScriptDiff> scripts;
    std::vector<VirtualServerDiff> virtual_servers;
    std::vector<std::string> global;            // global_defs settings that changed ("lvs_sync_daemon ...")
    // static_ipaddress / static_routes / static_rules entries added or removed ("static_routes: X added").
    std::vector<std::string> static_network;

    // Nothing at all differs.
    bool empty() const;
    // One line per change, for the log and `director reload` ("vrrp_instance VI_1: VIP 10.0.0.2/32 added").
    std::vector<std::string> describe() const;
    const InstanceDiff* instance(const std::string& name) const;
    const ScriptDiff* script(const std::string& name) const;
    const VirtualServerDiff* virtual_server(const ipvs::ServiceKey& key) const;
    // `virtual_server group NAME` with `protocol`.
    const VirtualServerDiff* virtual_server_group(const std::string& group, ipvs::Protocol protocol) const;
};

ConfigDiff diff(const config::Config& before, const config::Config& after);

// The health checks of real server `ra` (in `va` of `a`) and `rb` (in `vb` of `b`) are the same
// definition, including what they inherit: delay_loop, alpha, virtualhost, the SSL block, the script
// user and security settings. Then the running checker and its state can be kept across a reload.
bool same_checkers(const config::Config& a, const config::VirtualServerConf& va, const config::RealServerConf& ra,
                   const config::Config& b, const config::VirtualServerConf& vb, const config::RealServerConf& rb);

}  // namespace director::reload
