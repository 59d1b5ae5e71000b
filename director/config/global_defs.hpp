#pragma once
#include <optional>
#include <string>

#include "director/config/tree.hpp"

namespace director::config {

struct LvsSyncDaemon {
    std::string interface;
    std::string vrrp_instance;
    int syncid = 0;
    Location where;
    bool operator==(const LvsSyncDaemon&) const = default;
};

struct GlobalDefs {
    std::string router_id;
    bool enable_script_security = false;
    std::string script_user;  // "user [group]" as written
    bool lvs_flush = false;
    std::optional<LvsSyncDaemon> lvs_sync_daemon;
    // keepalived's global GARP defaults, inherited by every vrrp_instance that does not set its own.
    int vrrp_garp_master_delay_s = 5;
    int vrrp_garp_master_repeat = 5;
    int vrrp_garp_master_refresh_s = 0;
    bool vrrp_strict = false;
    // "ADDR:PORT" or ":PORT" for the Prometheus endpoint; empty: off.
    std::string metrics_listen;
    bool operator==(const GlobalDefs&) const = default;
};

void parse_global_defs(const Node& n, GlobalDefs& out, Diagnostics& diag);

// keepalived keywords we accept anywhere and ignore with a warning (mail, SNMP, DBus, ...): a config written
// for keepalived keeps loading. The list is documented in docs/CONFIG.md.
bool is_ignored_keepalived_keyword(const std::string& keyword);
void warn_ignored(const Node& n, Diagnostics& diag);

}  // namespace director::config
