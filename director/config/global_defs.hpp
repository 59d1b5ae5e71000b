#pragma once
#include <optional>
#include <string>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct LvsSyncDaemon {
    std::string interface;
    std::string vrrp_instance;
    int syncid = 0;
    Location where;
    bool operator==(const LvsSyncDaemon&) const = default;
};

// lvs_timeouts: IPVS connection timeouts in seconds; 0 leaves the kernel's value (ipvsadm --set semantics).
struct LvsTimeouts {
    int tcp = 0, tcp_fin = 0, udp = 0;
    bool operator==(const LvsTimeouts&) const = default;
};

struct GlobalDefs {
    std::string router_id;
    bool enable_script_security = false;
    std::string script_user;  // "user [group]" as written
    bool lvs_flush = false;
    std::optional<LvsSyncDaemon> lvs_sync_daemon;
    std::optional<LvsTimeouts> lvs_timeouts;
    // lvs_netlink_cmd_rcv_bufs: the IPVS netlink socket's receive buffer in bytes (0: director's 4 MiB);
    // _force sets it past net.core.rmem_max.
    unsigned lvs_netlink_cmd_rcv_bufs = 0;
    bool lvs_netlink_cmd_rcv_bufs_force = false;
    // keepalived's global GARP defaults, inherited by every vrrp_instance that does not set its own.
    int vrrp_garp_master_delay_s = 5;
    int vrrp_garp_master_repeat = 5;
    int vrrp_garp_master_refresh_s = 0;
    // Pause between two gratuitous ARPs (unsolicited NAs) an instance sends, in microseconds (0: back to back).
    long long vrrp_garp_interval_us = 0;
    long long vrrp_gna_interval_us = 0;
    // vrrp_rt_priority: the event loop (VRRP and checks) runs SCHED_RR at this priority; 0 = normal scheduling.
    int vrrp_rt_priority = 0;
    // max_auto_priority: when a timer fires more than min_auto_priority_delay late, switch to SCHED_RR at this
    // priority; 0 = never.
    int max_auto_priority = 0;
    long long min_auto_priority_delay_us = 1'000'000;
    bool vrrp_strict = false;
    // "ADDR:PORT" or ":PORT" for the Prometheus endpoint; empty: off.
    std::string metrics_listen;
    // Mail alerts (keepalived's): off unless smtp_server and notification_email are both set.
    std::string smtp_server;  // host name or address
    int smtp_port = 25;
    int smtp_connect_timeout_s = 30;
    std::vector<std::string> notification_email;
    std::string notification_email_from;  // default: director@<router_id or host name>
    // Defaults for instances and checkers that do not say (smtp_alert in a vrrp_instance or virtual_server).
    std::optional<bool> smtp_alert, smtp_alert_vrrp, smtp_alert_checker;
    bool operator==(const GlobalDefs&) const = default;
};

void parse_global_defs(const Node& n, GlobalDefs& out, Diagnostics& diag);

// keepalived keywords we accept anywhere and ignore with a warning (mail, SNMP, DBus, ...): a config written
// for keepalived keeps loading. The list is documented in docs/CONFIG.md.
bool is_ignored_keepalived_keyword(const std::string& keyword);
void warn_ignored(const Node& n, Diagnostics& diag);

}  // namespace director::config
