#include "director/metrics/daemon_metrics.hpp"

#include <cstdio>

#include "director/metrics/exposition.hpp"

namespace director::metrics {

namespace {

using nlohmann::json;
using T = Exposition::Type;

const json& at(const json& j, const char* key) {
    static const json null;
    return j.is_object() && j.contains(key) ? j[key] : null;
}
double num(const json& j, const char* key) {
    const json& v = at(j, key);
    if (v.is_number()) return v.get<double>();
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    return 0;
}
std::string str(const json& j, const char* key) {
    const json& v = at(j, key);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    return "";
}

// A histogram bucket's "le" as Prometheus' own clients write it: the shortest form ("0.005", "5"), or "+Inf".
std::string bucket_bound(const json& le) {
    if (!le.is_number()) return le.is_string() ? le.get<std::string>() : "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", le.get<double>());
    return buf;
}

void build_info(const json& s, Exposition& e) {
    e.family("director_build_info", T::Gauge, "The running director's version; always 1.");
    e.sample({{"version", str(s, "version")}}, 1);
    e.family("director_uptime_seconds", T::Gauge, "Seconds since the daemon started.");
    e.sample({}, num(s, "uptime_s"));
    e.family("director_internal_errors_total", T::Counter, "Exceptions caught on the event loop.");
    e.sample({}, num(s, "internal_errors"));
    if (const json& f = at(s, "open_files"); f.is_object()) {
        e.family("director_open_files_limit", T::Gauge, "The daemon's soft open-files limit (RLIMIT_NOFILE).");
        e.sample({}, num(f, "limit"));
        e.family("director_open_files_needed", T::Gauge, "Descriptors the config may need: health checks and the daemon's own.");
        e.sample({}, num(f, "needed"));
    }
    // Out of descriptors, these count the clients let in with the one kept in reserve (and any other failure).
    if (const json& m = at(s, "metrics"); m.is_object()) {
        e.family("director_metrics_accept_errors_total", T::Counter,
                 "Failed accepts on this /metrics endpoint (out of file descriptors, mostly).");
        e.sample({}, num(m, "accept_errors"));
    }
    if (const json& c = at(s, "control_socket"); c.is_object()) {
        e.family("director_control_socket_accept_errors_total", T::Counter,
                 "Failed accepts on the control socket (out of file descriptors, mostly).");
        e.sample({}, num(c, "accept_errors"));
    }
    if (const json& el = at(s, "event_loop"); el.is_object()) {
        e.family("director_event_loop_lag_seconds", T::Histogram,
                 "How late a probe timer due every probe period ran: time the event loop (VRRP adverts, health "
                 "checks) was held by one handler or waited for a CPU.");
        for (const auto& b : at(el, "lag_buckets")) e.sample({{"le", bucket_bound(at(b, "le"))}}, num(b, "count"), "_bucket");
        e.sample({}, num(el, "lag_sum_s"), "_sum");
        e.sample({}, num(el, "probes"), "_count");
        e.family("director_event_loop_max_lag_seconds", T::Gauge, "The longest event loop lag since the daemon started.");
        e.sample({}, num(el, "max_lag_ms") / 1000.0);
    }
    const json& r = at(s, "reload");
    if (r.is_object()) {
        double all = num(r, "reloads"), rejected = num(r, "rejected");
        e.family("director_reloads_total", T::Counter, "Reloads (SIGHUP, director reload) by result.");
        e.sample({{"result", "applied"}}, all - rejected);
        e.sample({{"result", "rejected"}}, rejected);
        e.family("director_reload_duration_seconds", T::Summary, "Time from a reload request to its result.");
        e.sample({}, num(r, "took_s_sum"), "_sum");
        e.sample({}, all, "_count");
    }
}

// The receive-drop reasons keepalived's exporter has a name for, as sums of ours.
struct KeepalivedDrop {
    const char* metric;
    std::vector<const char*> ours;
};
const std::vector<KeepalivedDrop>& keepalived_drops() {
    static const std::vector<KeepalivedDrop> m = {
        {"keepalived_packet_length_errors_total", {"too_short", "length"}},
        {"keepalived_advertisements_interval_errors_total", {"advert_interval"}},
        {"keepalived_ip_ttl_errors_total", {"ttl"}},
        {"keepalived_invalid_type_received_total", {"version_type"}},
        {"keepalived_authentication_mismatch_total", {"auth_type"}},
        {"keepalived_authentication_failure_total", {"auth_password"}},
    };
    return m;
}

void vrrp(const json& v, Exposition& e) {
    const json& instances = at(v, "instances");
    if (!instances.is_array()) return;
    static const char* kStates[] = {"INIT", "BACKUP", "MASTER", "FAULT", "STOPPED"};
    for (const auto& in : instances) {
        Labels l{{"instance", str(in, "name")}};
        const std::string state = str(in, "state");
        e.family("director_vrrp_state", T::Gauge, "1 for the state the instance is in, 0 for the others.");
        for (const char* s : kStates) {
            Labels ls = l;
            ls.push_back({"state", s});
            e.sample(ls, state == s ? 1 : 0);
        }
        e.family("director_vrrp_priority", T::Gauge, "Configured priority.");
        e.sample(l, num(in, "priority"));
        e.family("director_vrrp_effective_priority", T::Gauge, "Priority after tracked scripts and interfaces.");
        e.sample(l, num(in, "effective_priority"));
        e.family("director_vrrp_maintenance", T::Gauge, "1 while the instance is in maintenance (never master).");
        e.sample(l, num(in, "maintenance"));
        e.family("director_vrrp_adverts_sent_total", T::Counter, "Advertisements sent.");
        e.sample(l, num(in, "adverts_sent"));
        e.family("director_vrrp_adverts_received_total", T::Counter, "Advertisements that passed every receive rule.");
        e.sample(l, num(in, "adverts_received"));
        e.family("director_vrrp_adverts_dropped_total", T::Counter, "Advertisements dropped, by the rule they broke.");
        for (const auto& [reason, n] : at(in, "dropped").items()) {
            Labels ls = l;
            ls.push_back({"reason", reason});
            e.sample(ls, n.is_number() ? n.get<double>() : 0);
        }
        e.family("director_vrrp_address_mismatch_total", T::Counter,
                 "Accepted advertisements whose address list differs from ours.");
        e.sample(l, num(in, "address_mismatch"));
        e.family("director_vrrp_gratuitous_arps_sent_total", T::Counter, "Gratuitous ARP packets sent.");
        e.sample(l, num(in, "garps_sent"));
        e.family("director_vrrp_transitions_total", T::Counter, "State changes, by old and new state.");
        for (const auto& [ft, n] : at(in, "transitions").items()) {
            auto arrow = ft.find("->");
            Labels ls = l;
            ls.push_back({"from", ft.substr(0, arrow)});
            ls.push_back({"to", arrow == std::string::npos ? "" : ft.substr(arrow + 2)});
            e.sample(ls, n.is_number() ? n.get<double>() : 0);
        }
        e.family("director_vrrp_state_seconds", T::Gauge, "Seconds since the last state change.");
        e.sample(l, num(in, "time_in_state_s"));
        if (at(in, "master").is_string()) {
            e.family("director_vrrp_master_info", T::Gauge, "The address of the current master; always 1.");
            Labels ls = l;
            ls.push_back({"master", str(in, "master")});
            e.sample(ls, 1);
        }

        // keepalived-exporter's names: labels iname, intf, vrid and the state's name.
        Labels k{{"iname", str(in, "name")}, {"intf", str(in, "interface")}, {"vrid", str(in, "vrid")}};
        Labels ks = k;
        ks.push_back({"state", state == "STOPPED" ? "INIT" : state});
        for (const auto& vip : at(in, "vips")) {
            // "198.18.0.100/24 dev eth0 ...": the exporter labels each VIP by address and device.
            std::string text = vip.is_string() ? vip.get<std::string>() : "";
            std::string addr = text.substr(0, text.find('/'));
            auto dev = text.find(" dev ");
            std::string intf = dev == std::string::npos ? str(in, "interface") : text.substr(dev + 5, text.find(' ', dev + 5) - dev - 5);
            e.family("keepalived_vrrp_state", T::Gauge, "VRRP state (keepalived-exporter): 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.");
            e.sample({{"iname", str(in, "name")}, {"intf", intf}, {"vrid", str(in, "vrid")}, {"ip_address", addr}},
                     keepalived_state_code(state));
        }
        e.family("keepalived_advertisements_received_total", T::Counter, "Advertisements received (keepalived-exporter).");
        e.sample(ks, num(in, "adverts_received"));
        e.family("keepalived_advertisements_sent_total", T::Counter, "Advertisements sent (keepalived-exporter).");
        e.sample(ks, num(in, "adverts_sent"));
        double become = 0, release = 0;
        for (const auto& [ft, n] : at(in, "transitions").items()) {
            double c = n.is_number() ? n.get<double>() : 0;
            if (ft.size() > 8 && ft.compare(ft.size() - 8, 8, "->MASTER") == 0) become += c;
            if (ft.rfind("MASTER->", 0) == 0) release += c;
        }
        e.family("keepalived_become_master_total", T::Counter, "Times this instance became master (keepalived-exporter).");
        e.sample(ks, become);
        e.family("keepalived_release_master_total", T::Counter, "Times this instance left master (keepalived-exporter).");
        e.sample(ks, release);
        for (const auto& d : keepalived_drops()) {
            double sum = 0;
            for (const char* r : d.ours) sum += num(at(in, "dropped"), r);
            e.family(d.metric, T::Counter, "Advertisements dropped for this reason (keepalived-exporter).");
            e.sample(ks, sum);
        }
        e.family("keepalived_address_list_errors_total", T::Counter,
                 "Advertisements with another address list (keepalived-exporter).");
        e.sample(ks, num(in, "address_mismatch"));
        e.family("keepalived_priority_zero_received_total", T::Counter, "Priority-0 advertisements received (keepalived-exporter).");
        e.sample(ks, num(in, "priority_zero_received"));
        e.family("keepalived_priority_zero_sent_total", T::Counter, "Priority-0 advertisements sent (keepalived-exporter).");
        e.sample(ks, num(in, "priority_zero_sent"));
    }
    for (const auto& sc : at(v, "scripts")) {
        e.family("director_vrrp_script_up", T::Gauge, "1 while the vrrp_script reports success.");
        e.sample({{"script", str(sc, "name")}}, num(sc, "up"));
        e.family("director_vrrp_script_runs_total", T::Counter, "Runs of the vrrp_script.");
        e.sample({{"script", str(sc, "name")}}, num(sc, "runs"));
        e.family("keepalived_script_status", T::Gauge, "Track script status (keepalived-exporter): 1 good, 0 bad.");
        e.sample({{"name", str(sc, "name")}}, num(sc, "up"));
    }
}

std::string service_label(const json& svc) {
    if (at(svc, "fwmark").is_number()) return "fwmark " + str(svc, "fwmark");
    return str(svc, "protocol") + " " + str(svc, "address") + ":" + str(svc, "port");
}

void stats(const json& st, const Labels& l, const char* prefix, Exposition& e) {
    const std::string p = prefix;
    e.family(p + "_connections_total", T::Counter, "Connections IPVS scheduled (kernel counter).");
    e.sample(l, num(st, "conns"));
    e.family(p + "_packets_total", T::Counter, "Packets IPVS forwarded (kernel counter), by direction.");
    Labels in = l, out = l;
    in.push_back({"direction", "in"});
    out.push_back({"direction", "out"});
    e.sample(in, num(st, "inpkts"));
    e.sample(out, num(st, "outpkts"));
    e.family(p + "_bytes_total", T::Counter, "Bytes IPVS forwarded (kernel counter), by direction.");
    e.sample(in, num(st, "inbytes"));
    e.sample(out, num(st, "outbytes"));
}

void lvs(const json& v, Exposition& e) {
    if (!v.is_object()) return;
    e.family("director_ipvs_up", T::Gauge, "1 while the kernel's IPVS table can be programmed.");
    e.sample({}, at(v, "kernel") == "connected" ? 1 : 0);
    const json& c = at(v, "counters");
    e.family("director_ipvs_reconciles_total", T::Counter, "Passes that compared the kernel's table with the config.");
    e.sample({}, num(c, "reconciles"));
    e.family("director_ipvs_drift_repairs_total", T::Counter, "Passes that found and repaired a table changed by someone else.");
    e.sample({}, num(c, "drift_repairs"));
    e.family("director_ipvs_kernel_errors_total", T::Counter, "Kernel operations that failed.");
    e.sample({}, num(c, "kernel_errors") + num(c, "op_failures"));
    e.family("director_ipvs_netlink_resyncs_total", T::Counter,
             "Table reads redone on a fresh netlink socket after the kernel's replies overflowed it (ENOBUFS).");
    e.sample({}, num(c, "netlink_resyncs"));
    e.family("director_ipvs_netlink_window", T::Gauge,
             "IPVS requests kept in flight on the netlink socket; halved at each overflow.");
    e.sample({}, num(c, "netlink_window"));
    for (const auto& svc : at(v, "services")) {
        Labels l{{"service", service_label(svc)}};
        stats(at(svc, "stats"), l, "director_ipvs_service", e);
        for (const auto& d : at(svc, "destinations")) {
            Labels ld = l;
            ld.push_back({"real_server", str(d, "address") + ":" + str(d, "port")});
            stats(at(d, "stats"), ld, "director_ipvs_real_server", e);
            e.family("director_ipvs_real_server_weight", T::Gauge, "Weight in the kernel's table (0: drained).");
            e.sample(ld, num(d, "weight"));
            e.family("director_ipvs_real_server_active_connections", T::Gauge, "Established connections (kernel).");
            e.sample(ld, num(d, "active_conns"));
            e.family("director_ipvs_real_server_inactive_connections", T::Gauge, "Other connections (kernel).");
            e.sample(ld, num(d, "inactive_conns"));
        }
    }
    if (const json& hc = at(v, "health_checks"); hc.is_object()) {
        // Daemon-wide: one series each however many real servers are checked.
        e.family("director_health_check_start_delay_seconds", T::Histogram,
                 "How late health checks (and retries) started after they were due: time the event loop was busy.");
        for (const auto& b : at(hc, "start_delay_buckets"))
            e.sample({{"le", bucket_bound(at(b, "le"))}}, num(b, "count"), "_bucket");
        e.sample({}, num(hc, "start_delay_sum_s"), "_sum");
        e.sample({}, num(hc, "starts"), "_count");
        e.family("director_health_check_start_delay_max_seconds", T::Gauge,
                 "The latest start of any running health check since it started.");
        e.sample({}, num(hc, "start_delay_max_ms") / 1000.0);
        e.family("director_health_check_late_starts_total", T::Counter,
                 "Health checks (and retries) that started more than their connect_timeout after they were due.");
        e.sample({}, num(hc, "late_starts"));
    }
    for (const auto& vs : at(v, "membership")) {
        for (const auto& rs : at(vs, "real_servers")) {
            Labels l{{"virtual_server", str(vs, "virtual_server")}, {"real_server", str(rs, "address")}};
            e.family("director_real_server_up", T::Gauge, "1 while every health check of the real server passes.");
            e.sample(l, at(rs, "state") == "up" ? 1 : 0);
            for (const auto& ch : at(rs, "checkers")) {
                Labels lc = l;
                lc.push_back({"check", str(ch, "check")});
                double all = num(ch, "checks"), failed = num(ch, "failed");
                e.family("director_health_checks_total", T::Counter, "Health checks done, by result.");
                Labels ok = lc, bad = lc;
                ok.push_back({"result", "success"});
                bad.push_back({"result", "failure"});
                e.sample(ok, all - failed);
                e.sample(bad, failed);
                const json& last = at(ch, "last");
                if (last.is_object()) {
                    e.family("director_health_check_last_success", T::Gauge, "1 if the last check passed.");
                    e.sample(lc, num(last, "ok"));
                    e.family("director_health_check_last_latency_seconds", T::Gauge, "How long the last check took.");
                    e.sample(lc, num(last, "latency_ms") / 1000.0);
                }
            }
        }
    }
}

}  // namespace

int keepalived_state_code(const std::string& state) {
    if (state == "BACKUP") return 1;
    if (state == "MASTER") return 2;
    if (state == "FAULT") return 3;
    return 0;
}

std::string render_daemon_metrics(const nlohmann::json& status) {
    Exposition e;
    e.family("keepalived_up", T::Gauge, "1: the daemon answers (keepalived-exporter).");
    e.sample({}, 1);
    build_info(status, e);
    vrrp(at(status, "vrrp"), e);
    if (const json& m = at(status, "mail"); m.is_object()) {
        e.family("director_mail_alerts_total", T::Counter, "Mail alerts by outcome (dropped: the queue was full).");
        for (const char* k : {"sent", "failed", "dropped"}) e.sample({{"result", k}}, num(m, k));
    }
    lvs(at(status, "lvs"), e);
    return e.text();
}

}  // namespace director::metrics
