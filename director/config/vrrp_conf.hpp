#pragma once
// vrrp_script and vrrp_instance sections, with keepalived's keywords and defaults.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "director/config/route_conf.hpp"
#include "director/config/track_file_conf.hpp"
#include "director/config/tree.hpp"

namespace director::config {

struct VrrpScriptConf {
    std::string name;
    std::vector<std::string> argv;  // `script` split into words; run without a shell
    long long interval_ms = 1000;
    long long timeout_ms = 0;       // 0 = same as interval, as keepalived
    int weight = 0;                 // -253..253; 0 = FAULT while failing
    bool weight_reverse = false;    // keepalived's `weight N reverse`: applied while succeeding
    int rise = 1;
    int fall = 1;
    bool init_fail = false;         // start as failed instead of up
    std::string user;               // `user USER [GROUP]`, else global script_user
    std::string group;
    Location where;
    bool operator==(const VrrpScriptConf&) const = default;
};

struct VrrpVipConf {
    uint32_t address = 0;  // host order
    int prefix = 32;
    std::string dev;       // empty = the instance's interface
    std::string label;
    bool excluded = false; // virtual_ipaddress_excluded: held but not listed in adverts
    Location where;
    bool operator==(const VrrpVipConf&) const = default;
};

struct VrrpTrackScriptConf {
    std::string name;
    std::optional<int> weight;  // overrides the vrrp_script's
    bool reverse = false;
    Location where;
    bool operator==(const VrrpTrackScriptConf&) const = default;
};

struct VrrpTrackInterfaceConf {
    std::string name;
    int weight = 0;  // 0 = FAULT while down
    Location where;
    bool operator==(const VrrpTrackInterfaceConf&) const = default;
};

struct VrrpInstanceConf {
    std::string name;
    Location where;
    bool initial_master = false;  // `state MASTER`
    std::string interface;
    Location interface_where;
    int vrid = 0;
    int priority = 100;
    int advert_int_s = 1;
    bool preempt = true;
    std::optional<bool> smtp_alert;  // unset: smtp_alert_vrrp, then global smtp_alert
    long long preempt_delay_ms = 0;
    // With lvs_sync_daemon following this instance: how long a returning node is a sync backup before it
    // preempts a live lower-priority master.
    long long sync_catchup_ms = 3000;
    enum class Auth { None, Pass } auth = Auth::None;
    std::string auth_pass;
    std::vector<VrrpVipConf> vips;
    std::optional<uint32_t> unicast_src_ip;
    std::optional<uint32_t> mcast_src_ip;
    std::vector<uint32_t> unicast_peers;
    struct PeerTtl {
        uint32_t address = 0;
        int min_ttl = 0, max_ttl = 255;
        bool operator==(const PeerTtl&) const = default;
    };
    std::vector<PeerTtl> unicast_peer_ttls;  // peers given `min_ttl` / `max_ttl`
    std::vector<VrrpTrackScriptConf> track_scripts;
    std::vector<VrrpTrackInterfaceConf> track_interfaces;
    std::vector<VrrpTrackFileConf> track_files;
    bool dont_track_primary = false;
    // -1 = inherit from global_defs vrrp_garp_master_*.
    int garp_master_delay_s = -1;
    int garp_master_repeat = -1;
    int garp_master_refresh_s = -1;
    // garp_interval / gna_interval in microseconds; -1 = vrrp_garp_interval / vrrp_gna_interval.
    long long garp_interval_us = -1;
    long long gna_interval_us = -1;
    std::vector<std::string> notify_master, notify_backup, notify_fault, notify_stop, notify;
    // Added when the instance becomes MASTER (after its VIPs), removed when it leaves MASTER.
    std::vector<RouteConf> virtual_routes;
    std::vector<RuleConf> virtual_rules;
    bool operator==(const VrrpInstanceConf&) const = default;
};

struct Config;
// Shared by vrrp_instance and vrrp_sync_group: the lines of a track_script / track_interface block, and a
// command ("CMD ARGS" split into words, or the words as written).
void parse_track_scripts(const Node& block, std::vector<VrrpTrackScriptConf>& out, Diagnostics& diag);
void parse_track_interfaces(const Node& block, std::vector<VrrpTrackInterfaceConf>& out, Diagnostics& diag);
std::optional<std::vector<std::string>> command_arg(const Node& n, Diagnostics& diag);
void parse_vrrp_script(const Node& n, Config& out, Diagnostics& diag);
void parse_vrrp_instance(const Node& n, Config& out, Diagnostics& diag);
// Cross-section rules: track_script names an existing vrrp_script, unique VRIDs per interface, ...
void validate_vrrp(const Config& cfg, Diagnostics& diag);
bool has_track_file(const Config& cfg, const std::string& name);

}  // namespace director::config
