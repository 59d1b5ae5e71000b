#include "director/status_view.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace director {

using nlohmann::json;

namespace {

std::string text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.is_null() ? "-" : v.dump(-1, ' ', false, json::error_handler_t::replace);
}

const json& at(const json& j, const char* key) {
    static const json null;
    return j.is_object() && j.contains(key) ? j[key] : null;
}

size_t count(const json& j) { return j.is_array() ? j.size() : 0; }

std::string duration(double seconds) {
    auto s = static_cast<long>(seconds);
    char buf[32];
    if (s >= 86400) std::snprintf(buf, sizeof buf, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s % 3600 / 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

void render_instance(const json& in, std::ostream& out) {
    out << "vrrp_instance " << text(at(in, "name")) << ": " << text(at(in, "state")) << ", priority "
        << text(at(in, "effective_priority")) << "/" << text(at(in, "priority"));
    const json& vips = at(in, "vips");
    // vips_held is what the instance has put on its interfaces; daemons that do not report it only say
    // what is configured.
    if (at(in, "vips_held").is_array()) out << ", VIPs held " << count(at(in, "vips_held")) << "/" << count(vips);
    else out << ", VIPs configured " << count(vips);
    for (const char* kind : {"virtual_routes", "virtual_rules"})
        if (at(in, kind).is_array())
            out << ", " << kind << " held " << count(at(in, (std::string(kind) + "_held").c_str())) << "/"
                << count(at(in, kind));
    const json& master = at(in, "master");
    out << ", master " << (master.is_string() ? master.get<std::string>() : std::string("unknown"));
    if (master.is_string() && master == at(in, "address")) out << " (this node)";
    if (at(in, "maintenance") == true) out << ", IN MAINTENANCE (never master; `director maintenance off` ends it)";
    if (at(in, "handing_over") == true) out << ", handing over";
    if (at(in, "preempt_held") == true) out << ", not preempting back after a switchover";
    out << "\n";
    if (at(in, "last_error").is_string()) out << "  error: " << text(at(in, "last_error")) << "\n";
}

std::string service_name(const json& svc) {
    if (at(svc, "fwmark").is_number()) return "fwmark " + text(at(svc, "fwmark"));
    return text(at(svc, "address")) + " " + text(at(svc, "port")) + " " + text(at(svc, "protocol"));
}

// Checks done and how late the latest one started after it was due (healthcheck/start_delay.hpp): a
// start later than connect_timeout means the event loop cannot keep up with the checks configured.
void render_health_checks(const json& hc, std::ostream& out) {
    if (!hc.is_object()) return;
    const json& max_ms = at(hc, "start_delay_max_ms");
    char max[32];
    std::snprintf(max, sizeof max, "%.1f ms", max_ms.is_number() ? max_ms.get<double>() : 0.0);
    out << "health checks: " << text(at(hc, "checkers")) << " checkers, " << text(at(hc, "checks")) << " checks ("
        << text(at(hc, "failed")) << " failed), latest start " << max << " after due, " << text(at(hc, "late_starts"))
        << " of " << text(at(hc, "starts")) << " starts later than connect_timeout\n";
}

void render_lvs(const json& lvs, std::ostream& out) {
    const json& membership = at(lvs, "membership");
    if (membership.is_array()) {
        // Health checks decide membership: "up" is a real server in service, not draining or removed.
        for (const auto& vs : membership) {
            size_t up = 0;
            for (const auto& rs : at(vs, "real_servers"))
                if (at(rs, "state") == "up") ++up;
            out << "virtual_server " << text(at(vs, "virtual_server"));
            if (at(vs, "services").is_number()) out << " (" << text(at(vs, "services")) << " services)";
            out << ": real servers " << up << "/" << count(at(vs, "real_servers")) << " up";
            if (at(vs, "sorry_server_active") == true) out << ", sorry server in use";
            out << "\n";
        }
        render_health_checks(at(lvs, "health_checks"), out);
    } else {
        // No health checks: every configured real server is in service; the kernel's table says which.
        for (const auto& svc : at(lvs, "services")) {
            size_t up = 0;
            for (const auto& d : at(svc, "destinations"))
                if (at(d, "weight").is_number() && at(d, "weight").get<long>() > 0) ++up;
            out << "virtual_server " << service_name(svc);
            if (at(svc, "group").is_string()) out << " (group " << text(at(svc, "group")) << ")";
            out << ": real servers " << up << "/" << count(at(svc, "destinations")) << " up\n";
        }
    }
    if (at(lvs, "hand_drained").is_object())
        for (const auto& [key, since] : at(lvs, "hand_drained").items()) {
            out << "real_server " << key << ": drained by hand";
            if (since.is_number_integer() && since.get<long long>() > 0) {
                auto now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
                out << " since " << duration(static_cast<double>(now - since.get<long long>())) << " ago";
            }
            out << " (`director backend enable` ends it)\n";
        }
    if (at(lvs, "kernel") == "unavailable") out << "IPVS: kernel unavailable\n";
    const json& err = at(at(lvs, "last_reconcile"), "error");
    if (err.is_string()) out << "IPVS: last reconcile failed: " << text(err) << "\n";
}

// static_ipaddress / static_routes / static_rules: how many are in place, and each one that is not.
void render_static(const json& st, std::ostream& out) {
    out << "static:";
    const char* sep = " ";
    for (const char* kind : {"addresses", "routes", "rules"}) {
        size_t held = 0;
        for (const auto& e : at(st, kind))
            if (at(e, "held") == true) ++held;
        if (count(at(st, kind)) == 0) continue;
        out << sep << kind << " " << held << "/" << count(at(st, kind)) << " in place";
        sep = ", ";
    }
    out << "\n";
    for (const char* kind : {"addresses", "routes", "rules"})
        for (const auto& e : at(st, kind))
            if (at(e, "held") != true) out << "  not in place: " << text(at(e, "entry")) << "\n";
    if (at(st, "last_error").is_string()) out << "  error: " << text(at(st, "last_error")) << "\n";
}

// Copies the listed keys of `from` that exist.
json pick(const json& from, std::initializer_list<const char*> keys) {
    json out = json::object();
    for (const char* k : keys)
        if (from.is_object() && from.contains(k)) out[k] = from[k];
    return out;
}

}  // namespace

void render_summary(const json& s, std::ostream& out) {
    out << "director " << text(at(s, "version")) << ", pid " << text(at(s, "pid"));
    if (at(s, "uptime_s").is_number()) out << ", up " << duration(at(s, "uptime_s").get<double>());
    out << ", config " << text(at(s, "config")) << "\n";
    for (const auto& in : at(at(s, "vrrp"), "instances")) render_instance(in, out);
    for (const auto& g : at(at(s, "vrrp"), "sync_groups")) {
        out << "vrrp_sync_group " << text(at(g, "name")) << ": " << text(at(g, "state")) << " (";
        const char* sep = "";
        for (const auto& m : at(g, "members")) {
            out << sep << text(m);
            sep = ", ";
        }
        out << ")\n";
    }
    for (const auto& f : at(at(s, "vrrp"), "track_files"))
        out << "track_file " << text(at(f, "name")) << ": " << text(at(f, "value")) << " in " << text(at(f, "file"))
            << "\n";
    if (at(s, "lvs").is_object()) render_lvs(at(s, "lvs"), out);
    if (at(s, "static").is_object()) render_static(at(s, "static"), out);
    for (const auto& sc : at(at(s, "vrrp"), "scripts"))
        if (at(sc, "refused").is_string()) out << "vrrp_script " << text(at(sc, "name")) << ": refused: "
                                               << text(at(sc, "refused")) << "\n";
    const json& last_reload = at(at(s, "reload"), "last");
    if (last_reload.is_object()) {
        out << "last reload: #" << text(at(last_reload, "number")) << " "
            << (at(last_reload, "ok") == true ? "applied" : "rejected");
        if (at(last_reload, "at").is_number()) {
            auto age = std::chrono::system_clock::now().time_since_epoch() -
                       std::chrono::milliseconds(at(last_reload, "at").get<long long>());
            out << ", " << duration(std::chrono::duration<double>(age).count()) << " ago";
        }
        if (at(last_reload, "errors").is_array() && !at(last_reload, "errors").empty())
            out << " (" << at(last_reload, "errors").size() << " error(s), first: " << text(at(last_reload, "errors")[0]) << ")";
        out << "\n";
    }
    if (at(s, "internal_errors").is_number() && at(s, "internal_errors").get<long>() > 0)
        out << "internal errors: " << text(at(s, "internal_errors")) << " (last: " << text(at(s, "last_internal_error"))
            << ")\n";
}

void render_tree(const json& j, std::ostream& out) {
    struct Walk {
        std::ostream& out;
        void operator()(const json& j, int indent) {
            std::string pad(static_cast<size_t>(indent) * 2, ' ');
            if (j.is_object()) {
                for (const auto& [k, v] : j.items()) {
                    if (v.is_structured() && !v.empty()) {
                        out << pad << k << ":\n";
                        (*this)(v, indent + 1);
                    } else {
                        out << pad << k << ": " << text(v) << "\n";
                    }
                }
            } else if (j.is_array()) {
                for (const auto& v : j) {
                    if (v.is_structured()) {
                        out << pad << "-\n";
                        (*this)(v, indent + 1);
                    } else {
                        out << pad << "- " << text(v) << "\n";
                    }
                }
            }
        }
    };
    Walk{out}(j, 0);
}

json counters_view(const json& s) {
    json out = pick(s, {"internal_errors", "signals"});
    if (at(s, "reload").is_object()) out["reload"] = pick(at(s, "reload"), {"reloads", "rejected"});
    const json& control = at(s, "control_socket");
    if (control.is_object())
        out["control_socket"] = pick(control, {"accepted", "served", "refused_peer", "refused_busy", "idle_timeouts",
                                               "oversize", "handler_errors"});
    if (at(s, "vrrp").is_object()) {
        json instances = json::array();
        for (const auto& in : at(at(s, "vrrp"), "instances"))
            instances.push_back(pick(in, {"name", "adverts_sent", "adverts_received", "garps_sent",
                                          "address_mismatch", "dropped"}));
        json scripts = json::array();
        for (const auto& sc : at(at(s, "vrrp"), "scripts")) scripts.push_back(pick(sc, {"name", "runs", "failures"}));
        out["vrrp"] = {{"instances", instances}, {"scripts", scripts}};
    }
    if (at(s, "lvs").is_object()) {
        out["lvs"] = at(at(s, "lvs"), "counters");
        const json& hc = at(at(s, "lvs"), "health_checks");
        if (hc.is_object()) out["health_checks"] = pick(hc, {"checks", "failed", "starts", "late_starts"});
    }
    return out;
}

}  // namespace director
