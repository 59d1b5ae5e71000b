#pragma once
// vrrp_sync_group: instances that move as one (a NAT director's outside VIP and inside gateway).
#include <optional>
#include <string>
#include <vector>

#include "director/config/track_file_conf.hpp"
#include "director/config/tree.hpp"
#include "director/config/vrrp_conf.hpp"

namespace director::config {

struct VrrpSyncGroupConf {
    std::string name;
    struct Member {
        std::string name;
        Location where;
        bool operator==(const Member&) const = default;
    };
    std::vector<Member> members;
    // Trackers that act on every member, with their weights.
    std::vector<VrrpTrackScriptConf> track_scripts;
    std::vector<VrrpTrackInterfaceConf> track_interfaces;
    std::vector<VrrpTrackFileConf> track_files;
    // sync_group_tracking_weight (or the deprecated global_tracking): members keep their own weighted
    // trackers. Without it weights on member trackers are ignored, as keepalived does, because members whose
    // priorities drift apart re-elect forever.
    bool tracking_weight = false;
    std::vector<std::string> notify_master, notify_backup, notify_fault, notify;
    std::optional<bool> smtp_alert;
    Location where;
    bool operator==(const VrrpSyncGroupConf&) const = default;
};

struct Config;
void parse_vrrp_sync_group(const Node& n, Config& out, Diagnostics& diag);
// Members exist, no instance is in two groups, trackers name what exists; warns about ignored weights.
void validate_sync_groups(const Config& cfg, Diagnostics& diag);

}  // namespace director::config
