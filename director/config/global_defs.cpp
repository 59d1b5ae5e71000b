#include "director/config/global_defs.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "director/config/values.hpp"

namespace director::config {

namespace {
constexpr std::array<std::string_view, 19> kIgnored = {
    "enable_snmp_vrrp", "enable_snmp_checker", "enable_snmp_rfc",
    "enable_snmp_keepalived", "enable_traps", "enable_dbus", "snmp_socket", "vrrp_skip_check_adv_addr",
    "vrrp_iptables", "vrrp_ipsets", "nftables", "dynamic_interfaces", "script_user_security",
    // Buffers of netlink sockets director does not have (it watches no interface list by netlink, and
    // its VRRP address changes are single requests).
    "lvs_netlink_monitor_rcv_bufs", "lvs_netlink_monitor_rcv_bufs_force", "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs_force",
};
}  // namespace

bool is_ignored_keepalived_keyword(const std::string& keyword) {
    for (auto k : kIgnored)
        if (k == keyword) return true;
    return false;
}

void warn_ignored(const Node& n, Diagnostics& diag) {
    diag.warning(n.where, "'" + n.keyword + "' is a keepalived keyword that director ignores");
}

void parse_global_defs(const Node& g, GlobalDefs& out, Diagnostics& diag) {
    for (const Node& n : g.children) {
        const std::string& k = n.keyword;
        if (k == "router_id") {
            if (expect_args(n, 1, diag)) out.router_id = n.args[0];
        } else if (k == "enable_script_security") {
            if (auto v = flag_arg(n, diag)) out.enable_script_security = *v;
        } else if (k == "script_user") {
            if (n.args.empty() || n.args.size() > 2) diag.error(n.where, "script_user takes USER [GROUP]");
            else out.script_user = n.args.size() == 2 ? n.args[0] + " " + n.args[1] : n.args[0];
        } else if (k == "metrics_listen") {
            // ADDR:PORT or :PORT; the address, if any, an IPv4 one (bound at start, errors then name it).
            if (!expect_args(n, 1, diag)) continue;
            const std::string& v = n.args[0];
            auto colon = v.rfind(':');
            std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
            bool port_ok = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos &&
                           std::stol(port) <= 65535;
            bool host_ok = colon != std::string::npos && (colon == 0 || parse_ipv4(v.substr(0, colon)));
            if (!port_ok || !host_ok) diag.error(n.where, "metrics_listen takes ADDR:PORT or :PORT (IPv4), not '" + v + "'");
            else out.metrics_listen = v;
        } else if (k == "smtp_server") {
            // smtp_server ADDR [PORT]
            if (n.args.empty() || n.args.size() > 2) {
                diag.error(n.where, "smtp_server takes ADDR [PORT]");
                continue;
            }
            out.smtp_server = n.args[0];
            if (n.args.size() == 2)
                if (auto p = int_arg(n, diag, 1, 65535, 1)) out.smtp_port = static_cast<int>(*p);
        } else if (k == "smtp_connect_timeout") {
            if (auto v = int_arg(n, diag, 1, 3600)) out.smtp_connect_timeout_s = static_cast<int>(*v);
        } else if (k == "notification_email") {
            // A block of addresses, one or more per line.
            out.notification_email.clear();
            for (const Node& line : n.children) {
                out.notification_email.push_back(line.keyword);
                for (const auto& a : line.args) out.notification_email.push_back(a);
            }
            for (const auto& a : out.notification_email)
                if (a.find('@') == std::string::npos || a.find_first_of(" <>\r\n") != std::string::npos)
                    diag.error(n.where, "notification_email: '" + a + "' is not a mail address");
        } else if (k == "notification_email_from") {
            if (expect_args(n, 1, diag)) out.notification_email_from = n.args[0];
        } else if (k == "smtp_alert") {
            if (auto v = flag_arg(n, diag)) out.smtp_alert = *v;
        } else if (k == "smtp_alert_vrrp") {
            if (auto v = flag_arg(n, diag)) out.smtp_alert_vrrp = *v;
        } else if (k == "smtp_alert_checker") {
            if (auto v = flag_arg(n, diag)) out.smtp_alert_checker = *v;
        } else if (k == "lvs_timeouts") {
            // lvs_timeouts [tcp N] [tcpfin N] [udp N], in any order, at least one.
            LvsTimeouts t;
            bool ok = !n.args.empty() && n.args.size() % 2 == 0;
            for (size_t i = 0; ok && i + 1 < n.args.size(); i += 2) {
                const std::string& which = n.args[i];
                int* slot = which == "tcp" ? &t.tcp : which == "tcpfin" ? &t.tcp_fin : which == "udp" ? &t.udp : nullptr;
                if (!slot) {
                    ok = false;
                    break;
                }
                if (auto v = int_arg(n, diag, 1, 31536000, i + 1)) *slot = static_cast<int>(*v);
            }
            if (!ok) diag.error(n.where, "lvs_timeouts takes [tcp N] [tcpfin N] [udp N] (seconds)");
            else out.lvs_timeouts = t;
        } else if (k == "lvs_netlink_cmd_rcv_bufs") {
            if (auto v = int_arg(n, diag, 1024, 1LL << 30)) out.lvs_netlink_cmd_rcv_bufs = static_cast<unsigned>(*v);
        } else if (k == "lvs_netlink_cmd_rcv_bufs_force") {
            if (auto v = flag_arg(n, diag)) out.lvs_netlink_cmd_rcv_bufs_force = *v;
        } else if (k == "lvs_flush") {
            if (auto v = flag_arg(n, diag)) out.lvs_flush = *v;
        } else if (k == "lvs_sync_daemon") {
            // lvs_sync_daemon INTERFACE [VRRP_INSTANCE] [id SYNCID] ...: with an instance the sync role
            // follows it; without one both roles run at once.
            if (n.args.empty()) {
                diag.error(n.where, "lvs_sync_daemon takes INTERFACE [VRRP_INSTANCE] [id N]");
                continue;
            }
            bool named = n.args.size() >= 2 && n.args[1] != "id";
            LvsSyncDaemon s{n.args[0], named ? n.args[1] : "", 0, n.where};
            for (size_t i = named ? 2 : 1; i + 1 < n.args.size(); i += 2)
                if (n.args[i] == "id") {
                    if (auto v = int_arg(n, diag, 0, 255, i + 1)) s.syncid = static_cast<int>(*v);
                }
            out.lvs_sync_daemon = s;
        } else if (k == "vrrp_garp_master_delay") {
            if (auto v = int_arg(n, diag, 0, 3600)) out.vrrp_garp_master_delay_s = static_cast<int>(*v);
        } else if (k == "vrrp_garp_master_repeat") {
            if (auto v = int_arg(n, diag, 1, 255)) out.vrrp_garp_master_repeat = static_cast<int>(*v);
        } else if (k == "vrrp_garp_master_refresh") {
            if (auto v = int_arg(n, diag, 0, 86400)) out.vrrp_garp_master_refresh_s = static_cast<int>(*v);
        } else if (k == "vrrp_garp_interval" || k == "vrrp_gna_interval") {
            if (auto v = micros_arg(n, diag, 0, 10'000'000))
                (k == "vrrp_garp_interval" ? out.vrrp_garp_interval_us : out.vrrp_gna_interval_us) = *v;
        } else if (k == "vrrp_rt_priority") {
            if (auto v = int_arg(n, diag, 1, 99)) out.vrrp_rt_priority = static_cast<int>(*v);
        } else if (k == "max_auto_priority") {
            // No value: the highest realtime priority; -1 and 0: off (keepalived's -1 only silences a warning).
            if (n.args.empty()) out.max_auto_priority = 99;
            else if (auto v = int_arg(n, diag, -1, 99)) out.max_auto_priority = static_cast<int>(std::max(*v, 0LL));
        } else if (k == "min_auto_priority_delay") {
            if (auto v = int_arg(n, diag, 1, 10'000'000)) out.min_auto_priority_delay_us = *v;
        } else if (k == "vrrp_strict") {
            if (auto v = flag_arg(n, diag)) out.vrrp_strict = *v;
        } else if (is_ignored_keepalived_keyword(k)) {
            warn_ignored(n, diag);
        } else {
            diag.error(n.where, "unknown keyword '" + k + "' in global_defs");
        }
    }
}

}  // namespace director::config
