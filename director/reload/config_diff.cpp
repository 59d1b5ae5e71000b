#include "director/reload/config_diff.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <spdlog/fmt/fmt.h>

#include "director/config/values.hpp"

namespace director::reload {

using namespace config;

const char* to_string(Change c) {
    switch (c) {
        case Change::Unchanged: return "unchanged";
        case Change::Updated: return "updated";
        case Change::Added: return "added";
        case Change::Removed: return "removed";
        case Change::Replaced: return "replaced";
    }
    return "?";
}

namespace {

// Copies with every file position blanked, so equality means "the same settings".
VrrpScriptConf strip(VrrpScriptConf s) {
    s.where = {};
    return s;
}
CheckerConf strip(CheckerConf c) {
    c.where = {};
    for (auto& u : c.urls) u.where = {};
    return c;
}
RealServerConf strip(RealServerConf r) {
    r.where = {};
    for (auto& c : r.checkers) c = strip(c);
    return r;
}
VrrpInstanceConf strip(VrrpInstanceConf in) {
    in.where = {};
    in.interface_where = {};
    for (auto& v : in.vips) v.where = {};
    for (auto& t : in.track_scripts) t.where = {};
    for (auto& t : in.track_interfaces) t.where = {};
    for (auto& r : in.virtual_routes) r.where = {};
    for (auto& r : in.virtual_rules) r.where = {};
    return in;
}
GlobalDefs strip(GlobalDefs g) {
    if (g.lvs_sync_daemon) g.lvs_sync_daemon->where = {};
    return g;
}

std::string text(bool b) { return b ? "on" : "off"; }
std::string text(const std::string& s) { return s.empty() ? "(none)" : s; }
template <class T>
std::string text(const T& v) {
    return fmt::format("{}", v);
}
std::string text(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return text(s);
}

// Appends "NAME OLD -> NEW" when the two differ.
template <class T>
void note(std::vector<std::string>& out, const char* name, const T& a, const T& b) {
    if (!(a == b)) out.push_back(fmt::format("{} {} -> {}", name, text(a), text(b)));
}

std::string vip_text(const VrrpVipConf& v) {
    std::string s = format_ipv4(v.address) + "/" + std::to_string(v.prefix);
    if (!v.dev.empty()) s += " dev " + v.dev;
    if (!v.label.empty()) s += " label " + v.label;
    if (v.excluded) s += " (excluded)";
    return s;
}

std::string peers_text(const std::vector<uint32_t>& peers) {
    std::string s;
    for (auto p : peers) s += (s.empty() ? "" : ",") + format_ipv4(p);
    return s;
}
std::string opt_ip(const std::optional<uint32_t>& ip) { return ip ? format_ipv4(*ip) : "(none)"; }

// An instance with every inherited value resolved, so a global change shows where it takes effect.
VrrpInstanceConf effective(const VrrpInstanceConf& in, const GlobalDefs& g) {
    VrrpInstanceConf e = strip(in);
    if (e.garp_master_delay_s < 0) e.garp_master_delay_s = g.vrrp_garp_master_delay_s;
    if (e.garp_master_repeat < 0) e.garp_master_repeat = g.vrrp_garp_master_repeat;
    if (e.garp_master_refresh_s < 0) e.garp_master_refresh_s = g.vrrp_garp_master_refresh_s;
    return e;
}

bool same_script_identity(const GlobalDefs& a, const GlobalDefs& b) {
    return a.enable_script_security == b.enable_script_security && a.script_user == b.script_user;
}

// Settings the router is defined by: changing one means a different router on the wire (or a different
// election role for the address owner), so the instance is replaced instead of edited.
std::vector<std::string> identity_changes(const VrrpInstanceConf& a, const VrrpInstanceConf& b) {
    std::vector<std::string> out;
    note(out, "interface", a.interface, b.interface);
    note(out, "virtual_router_id", a.vrid, b.vrid);
    note(out, "advert_int", a.advert_int_s, b.advert_int_s);
    if (a.auth != b.auth || a.auth_pass != b.auth_pass) out.push_back("authentication changed");
    if (a.unicast_src_ip != b.unicast_src_ip)
        out.push_back(fmt::format("unicast_src_ip {} -> {}", opt_ip(a.unicast_src_ip), opt_ip(b.unicast_src_ip)));
    if (a.mcast_src_ip != b.mcast_src_ip)
        out.push_back(fmt::format("mcast_src_ip {} -> {}", opt_ip(a.mcast_src_ip), opt_ip(b.mcast_src_ip)));
    if (a.unicast_peers != b.unicast_peers || a.unicast_peer_ttls != b.unicast_peer_ttls)
        out.push_back(fmt::format("unicast_peer {} -> {}", text(peers_text(a.unicast_peers)),
                                  text(peers_text(b.unicast_peers))));
    if ((a.priority == 255) != (b.priority == 255))
        out.push_back(fmt::format("priority {} -> {} (address owner)", a.priority, b.priority));
    return out;
}

std::string track_scripts_text(const std::vector<VrrpTrackScriptConf>& ts) {
    std::string s;
    for (const auto& t : ts) {
        s += (s.empty() ? "" : ",") + t.name;
        if (t.weight) s += fmt::format(" weight {}{}", *t.weight, t.reverse ? " reverse" : "");
    }
    return s;
}
std::string track_interfaces_text(const std::vector<VrrpTrackInterfaceConf>& ts) {
    std::string s;
    for (const auto& t : ts) s += (s.empty() ? "" : ",") + t.name + (t.weight ? fmt::format(" weight {}", t.weight) : "");
    return s;
}

// "NAME X added" / "NAME X removed" for each entry in only one of the lists; order does not count.
template <class Conf>
void note_entries(std::vector<std::string>& out, const std::string& name, const std::vector<Conf>& a,
                  const std::vector<Conf>& b) {
    auto in = [](const std::vector<Conf>& v, const Conf& c) {
        return std::any_of(v.begin(), v.end(), [&](const Conf& x) { return x.spec == c.spec; });
    };
    for (const auto& c : b)
        if (!in(a, c)) out.push_back(name + " " + vrrp::describe(c.spec) + " added");
    for (const auto& c : a)
        if (!in(b, c)) out.push_back(name + " " + vrrp::describe(c.spec) + " removed");
}

InstanceDiff diff_instance(const VrrpInstanceConf& a0, const GlobalDefs& ga, const VrrpInstanceConf& b0,
                           const GlobalDefs& gb, const std::set<std::string>& changed_scripts) {
    InstanceDiff d;
    d.name = b0.name;
    VrrpInstanceConf a = effective(a0, ga), b = effective(b0, gb);
    if (auto ids = identity_changes(a, b); !ids.empty()) {
        d.change = Change::Replaced;
        d.settings = std::move(ids);
        return d;
    }
    for (const auto& v : a.vips)
        if (std::find(b.vips.begin(), b.vips.end(), v) == b.vips.end()) d.vips_removed.push_back(v);
    for (const auto& v : b.vips)
        if (std::find(a.vips.begin(), a.vips.end(), v) == a.vips.end()) d.vips_added.push_back(v);

    auto& s = d.settings;
    note(s, "priority", a.priority, b.priority);
    note(s, "preempt", a.preempt, b.preempt);
    note(s, "preempt_delay_ms", a.preempt_delay_ms, b.preempt_delay_ms);
    if (a.track_scripts != b.track_scripts)
        s.push_back(fmt::format("track_script {} -> {}", text(track_scripts_text(a.track_scripts)),
                                text(track_scripts_text(b.track_scripts))));
    for (const auto& t : b.track_scripts)
        if (changed_scripts.count(t.name)) s.push_back("vrrp_script " + t.name + " redefined");
    if (a.track_interfaces != b.track_interfaces)
        s.push_back(fmt::format("track_interface {} -> {}", text(track_interfaces_text(a.track_interfaces)),
                                text(track_interfaces_text(b.track_interfaces))));
    note(s, "dont_track_primary", a.dont_track_primary, b.dont_track_primary);
    note(s, "garp_master_delay", a.garp_master_delay_s, b.garp_master_delay_s);
    note(s, "garp_master_repeat", a.garp_master_repeat, b.garp_master_repeat);
    note(s, "garp_master_refresh", a.garp_master_refresh_s, b.garp_master_refresh_s);
    note(s, "notify_master", a.notify_master, b.notify_master);
    note(s, "notify_backup", a.notify_backup, b.notify_backup);
    note(s, "notify_fault", a.notify_fault, b.notify_fault);
    note(s, "notify_stop", a.notify_stop, b.notify_stop);
    note(s, "notify", a.notify, b.notify);
    if (!same_script_identity(ga, gb) &&
        !(b.notify_master.empty() && b.notify_backup.empty() && b.notify_fault.empty() && b.notify_stop.empty() &&
          b.notify.empty()))
        s.push_back("notify scripts run with a new script_user / enable_script_security");
    note_entries(s, "virtual_route", a.virtual_routes, b.virtual_routes);
    note_entries(s, "virtual_rule", a.virtual_rules, b.virtual_rules);
    // Whatever else differs (a keyword added later, `state`): still an in-place update, named generically.
    VrrpInstanceConf ra = a, rb = b;
    ra.vips = rb.vips = {};
    ra.virtual_routes = rb.virtual_routes = {};  // a reordering alone changes nothing
    ra.virtual_rules = rb.virtual_rules = {};
    if (s.empty() && !(ra == rb)) s.push_back("other settings changed");
    bool any = !d.vips_added.empty() || !d.vips_removed.empty() || !s.empty();
    d.change = any ? Change::Updated : Change::Unchanged;
    return d;
}

std::string sorry_text(const std::optional<SorryServerConf>& s) {
    return s ? ipvs::format_addr_port(s->address, s->port) : "(none)";
}

std::vector<std::string> service_changes(const VirtualServerConf& a, const VirtualServerConf& b) {
    std::vector<std::string> s;
    note(s, "lb_algo", a.scheduler, b.scheduler);
    if (a.forward != b.forward)
        s.push_back(fmt::format("lb_kind {} -> {}", ipvs::forward_name(a.forward), ipvs::forward_name(b.forward)));
    note(s, "persistence_timeout", a.persistence_timeout_s, b.persistence_timeout_s);
    if (a.persistence_granularity != b.persistence_granularity)
        s.push_back(fmt::format("persistence_granularity {} -> {}", format_ipv4(a.persistence_granularity),
                                format_ipv4(b.persistence_granularity)));
    if (a.sched_flags != b.sched_flags)
        s.push_back(fmt::format("scheduler flags {:#x} -> {:#x}", a.sched_flags, b.sched_flags));
    note(s, "delay_loop_ms", a.delay_loop_ms, b.delay_loop_ms);
    note(s, "quorum", a.quorum, b.quorum);
    note(s, "hysteresis", a.hysteresis, b.hysteresis);
    if (a.sorry_server.has_value() != b.sorry_server.has_value() ||
        (a.sorry_server && (a.sorry_server->address != b.sorry_server->address ||
                            a.sorry_server->port != b.sorry_server->port)))
        s.push_back(fmt::format("sorry_server {} -> {}", sorry_text(a.sorry_server), sorry_text(b.sorry_server)));
    note(s, "inhibit_on_failure", a.inhibit_on_failure, b.inhibit_on_failure);
    note(s, "alpha", a.alpha, b.alpha);
    note(s, "omega", a.omega, b.omega);
    note(s, "virtualhost", a.virtualhost, b.virtualhost);
    note(s, "quorum_up", a.quorum_up, b.quorum_up);
    note(s, "quorum_down", a.quorum_down, b.quorum_down);
    note(s, "drain_timeout_ms", a.drain_timeout_ms, b.drain_timeout_ms);
    VirtualServerConf ra = a, rb = b;
    ra.where = rb.where = {};
    ra.real_servers = rb.real_servers = {};
    ra.members = rb.members = {};  // listed one by one (VirtualServerDiff::members_added/removed)
    if (ra.sorry_server) ra.sorry_server->where = {};
    if (rb.sorry_server) rb.sorry_server->where = {};
    if (s.empty() && !(ra == rb)) s.push_back("other settings changed");
    return s;
}

std::vector<std::string> real_server_changes(const VirtualServerConf& va, const RealServerConf& a,
                                             const VirtualServerConf& vb, const RealServerConf& b) {
    std::vector<std::string> s;
    note(s, "weight", a.weight, b.weight);
    auto fa = a.forward.value_or(va.forward), fb = b.forward.value_or(vb.forward);
    if (fa != fb) s.push_back(fmt::format("lb_kind {} -> {}", ipvs::forward_name(fa), ipvs::forward_name(fb)));
    note(s, "uthreshold", a.u_threshold, b.u_threshold);
    note(s, "lthreshold", a.l_threshold, b.l_threshold);
    note(s, "inhibit_on_failure", a.inhibit_on_failure, b.inhibit_on_failure);
    note(s, "notify_up", a.notify_up, b.notify_up);
    note(s, "notify_down", a.notify_down, b.notify_down);
    RealServerConf ra = strip(a), rb = strip(b);
    ra.checkers = rb.checkers = {};
    ra.forward = rb.forward = std::nullopt;
    if (s.empty() && !(ra == rb)) s.push_back("other settings changed");
    return s;
}

VirtualServerDiff diff_service(const Config& ca, const VirtualServerConf& a, const Config& cb,
                               const VirtualServerConf& b) {
    VirtualServerDiff d;
    d.key = b.key;
    d.group = b.group;
    d.settings = service_changes(a, b);
    if (!b.group.empty()) {
        std::set<ipvs::ServiceKey> before(a.members.begin(), a.members.end());
        for (const auto& k : b.members)
            if (!before.erase(k)) d.members_added.push_back(k);
        d.members_removed.assign(before.begin(), before.end());
    }
    std::map<std::pair<uint32_t, uint16_t>, const RealServerConf*> old;
    for (const auto& r : a.real_servers) old[{r.address, r.port}] = &r;
    bool any = !d.settings.empty() || !d.members_added.empty() || !d.members_removed.empty();
    for (const auto& r : b.real_servers) {
        RealServerDiff rd;
        rd.address = r.address;
        rd.port = r.port;
        auto it = old.find({r.address, r.port});
        if (it == old.end()) {
            rd.change = Change::Added;
        } else {
            rd.settings = real_server_changes(a, *it->second, b, r);
            rd.checkers_changed = !same_checkers(ca, a, *it->second, cb, b, r);
            if (rd.checkers_changed) rd.settings.push_back("health check redefined (its state starts afresh)");
            rd.change = rd.settings.empty() ? Change::Unchanged : Change::Updated;
            old.erase(it);
        }
        any |= rd.change != Change::Unchanged;
        d.real_servers.push_back(std::move(rd));
    }
    for (const auto& r : a.real_servers) {
        if (!old.count({r.address, r.port})) continue;
        RealServerDiff rd;
        rd.address = r.address;
        rd.port = r.port;
        rd.change = Change::Removed;
        d.real_servers.push_back(std::move(rd));
        any = true;
    }
    d.change = any ? Change::Updated : Change::Unchanged;
    return d;
}

std::vector<std::string> global_changes(const GlobalDefs& a0, const GlobalDefs& b0) {
    GlobalDefs a = strip(a0), b = strip(b0);
    std::vector<std::string> s;
    note(s, "router_id", a.router_id, b.router_id);
    note(s, "enable_script_security", a.enable_script_security, b.enable_script_security);
    note(s, "script_user", a.script_user, b.script_user);
    note(s, "lvs_flush", a.lvs_flush, b.lvs_flush);
    if (a.lvs_sync_daemon != b.lvs_sync_daemon) s.push_back("lvs_sync_daemon changed");
    note(s, "vrrp_garp_master_delay", a.vrrp_garp_master_delay_s, b.vrrp_garp_master_delay_s);
    note(s, "vrrp_garp_master_repeat", a.vrrp_garp_master_repeat, b.vrrp_garp_master_repeat);
    note(s, "vrrp_garp_master_refresh", a.vrrp_garp_master_refresh_s, b.vrrp_garp_master_refresh_s);
    note(s, "vrrp_strict", a.vrrp_strict, b.vrrp_strict);
    if (s.empty() && !(a == b)) s.push_back("other settings changed");
    return s;
}

}  // namespace

bool same_checkers(const Config& a, const VirtualServerConf& va, const RealServerConf& ra, const Config& b,
                   const VirtualServerConf& vb, const RealServerConf& rb) {
    if (ra.checkers.size() != rb.checkers.size()) return false;
    for (size_t i = 0; i < ra.checkers.size(); ++i)
        if (!(strip(ra.checkers[i]) == strip(rb.checkers[i]))) return false;
    if (ra.checkers.empty()) return true;
    if (ra.address != rb.address || ra.port != rb.port) return false;  // the default connect target
    // What make_checker (director/lvs/membership.cpp) takes from around the checker block.
    if (va.delay_loop_ms != vb.delay_loop_ms || va.alpha != vb.alpha || va.virtualhost != vb.virtualhost) return false;
    bool tls = false, script = false;
    for (const auto& c : rb.checkers) {
        tls |= c.kind == CheckerKind::Ssl;
        script |= c.kind == CheckerKind::Misc;
    }
    if (tls) {
        auto sa = a.ssl, sb = b.ssl;
        if (sa) sa->where = {};
        if (sb) sb->where = {};
        if (sa != sb) return false;
    }
    if (script && !same_script_identity(a.global, b.global)) return false;
    return true;
}

ConfigDiff diff(const Config& before, const Config& after) {
    ConfigDiff d;
    d.global = global_changes(before.global, after.global);
    note_entries(d.static_network, "static_ipaddress:", before.static_network.addresses, after.static_network.addresses);
    note_entries(d.static_network, "static_routes:", before.static_network.routes, after.static_network.routes);
    note_entries(d.static_network, "static_rules:", before.static_network.rules, after.static_network.rules);

    std::map<std::string, const VrrpScriptConf*> old_scripts;
    for (const auto& s : before.vrrp_scripts) old_scripts[s.name] = &s;
    std::set<std::string> changed_scripts;
    bool identity_same = same_script_identity(before.global, after.global);
    for (const auto& s : after.vrrp_scripts) {
        ScriptDiff sd{s.name, Change::Added};
        if (auto it = old_scripts.find(s.name); it != old_scripts.end()) {
            bool same = strip(*it->second) == strip(s) && identity_same;
            sd.change = same ? Change::Unchanged : Change::Updated;
            if (!same) changed_scripts.insert(s.name);
            old_scripts.erase(it);
        }
        d.scripts.push_back(sd);
    }
    for (const auto& s : before.vrrp_scripts)
        if (old_scripts.count(s.name)) d.scripts.push_back({s.name, Change::Removed});

    std::map<std::string, const VrrpInstanceConf*> old_instances;
    for (const auto& in : before.vrrp_instances) old_instances[in.name] = &in;
    for (const auto& in : after.vrrp_instances) {
        auto it = old_instances.find(in.name);
        if (it == old_instances.end()) {
            d.instances.push_back({in.name, Change::Added, {}, {}, {}});
            continue;
        }
        d.instances.push_back(diff_instance(*it->second, before.global, in, after.global, changed_scripts));
        old_instances.erase(it);
    }
    for (const auto& in : before.vrrp_instances)
        if (old_instances.count(in.name)) d.instances.push_back({in.name, Change::Removed, {}, {}, {}});

    auto whole = [](const VirtualServerConf& vs, Change c) {
        VirtualServerDiff v;
        v.key = vs.key;
        v.group = vs.group;
        v.change = c;
        return v;
    };
    std::map<std::pair<std::string, ipvs::ServiceKey>, const VirtualServerConf*> old_services;
    for (const auto& vs : before.virtual_servers) old_services[vs.id()] = &vs;
    for (const auto& vs : after.virtual_servers) {
        auto it = old_services.find(vs.id());
        if (it == old_services.end()) {
            d.virtual_servers.push_back(whole(vs, Change::Added));
            continue;
        }
        d.virtual_servers.push_back(diff_service(before, *it->second, after, vs));
        old_services.erase(it);
    }
    for (const auto& vs : before.virtual_servers)
        if (old_services.count(vs.id())) d.virtual_servers.push_back(whole(vs, Change::Removed));
    return d;
}

bool ConfigDiff::empty() const {
    if (!global.empty() || !static_network.empty()) return false;
    for (const auto& i : instances)
        if (i.change != Change::Unchanged) return false;
    for (const auto& s : scripts)
        if (s.change != Change::Unchanged) return false;
    for (const auto& v : virtual_servers)
        if (v.change != Change::Unchanged) return false;
    return true;
}

std::vector<std::string> ConfigDiff::describe() const {
    std::vector<std::string> out;
    for (const auto& g : global) out.push_back("global_defs: " + g);
    out.insert(out.end(), static_network.begin(), static_network.end());
    for (const auto& s : scripts)
        if (s.change != Change::Unchanged)
            out.push_back("vrrp_script " + s.name + ": " + (s.change == Change::Updated ? "redefined" : to_string(s.change)));
    for (const auto& i : instances) {
        std::string who = "vrrp_instance " + i.name + ": ";
        if (i.change == Change::Unchanged) continue;
        if (i.change != Change::Updated) {
            std::string why;
            for (const auto& s : i.settings) why += (why.empty() ? " (" : ", ") + s;
            out.push_back(who + to_string(i.change) + (why.empty() ? "" : why + ")"));
            continue;
        }
        for (const auto& v : i.vips_added) out.push_back(who + "VIP " + vip_text(v) + " added");
        for (const auto& v : i.vips_removed) out.push_back(who + "VIP " + vip_text(v) + " removed");
        for (const auto& s : i.settings) out.push_back(who + s);
    }
    for (const auto& v : virtual_servers) {
        std::string who = "virtual_server " + v.name() + ": ";
        if (v.change == Change::Unchanged) continue;
        if (v.change != Change::Updated) {
            out.push_back(who + to_string(v.change));
            continue;
        }
        for (const auto& s : v.settings) out.push_back(who + s);
        // A group may expand to thousands of services: name the first few, count the rest.
        auto members = [&](const std::vector<ipvs::ServiceKey>& keys, const char* what) {
            constexpr size_t kNamed = 16;
            for (size_t i = 0; i < keys.size() && i < kNamed; ++i)
                out.push_back(who + "service " + ipvs::describe(keys[i]) + " " + what);
            if (keys.size() > kNamed) out.push_back(who + std::to_string(keys.size() - kNamed) + " more services " + what);
        };
        members(v.members_added, "added");
        members(v.members_removed, "removed");
        for (const auto& r : v.real_servers) {
            std::string rs = who + "real_server " + ipvs::format_addr_port(r.address, r.port) + ": ";
            if (r.change == Change::Added) out.push_back(rs + "added");
            if (r.change == Change::Removed) out.push_back(rs + "removed (drained first)");
            if (r.change == Change::Updated)
                for (const auto& s : r.settings) out.push_back(rs + s);
        }
    }
    return out;
}

const InstanceDiff* ConfigDiff::instance(const std::string& name) const {
    for (const auto& i : instances)
        if (i.name == name) return &i;
    return nullptr;
}

const ScriptDiff* ConfigDiff::script(const std::string& name) const {
    for (const auto& s : scripts)
        if (s.name == name) return &s;
    return nullptr;
}

const VirtualServerDiff* ConfigDiff::virtual_server(const ipvs::ServiceKey& key) const {
    for (const auto& v : virtual_servers)
        if (v.group.empty() && v.key == key) return &v;
    return nullptr;
}

const VirtualServerDiff* ConfigDiff::virtual_server_group(const std::string& group, ipvs::Protocol protocol) const {
    for (const auto& v : virtual_servers)
        if (v.group == group && v.key.protocol == protocol) return &v;
    return nullptr;
}

std::string VirtualServerDiff::name() const {
    if (!group.empty()) return std::string(ipvs::protocol_name(key.protocol)) + " group " + group;
    return ipvs::describe(key);
}

}  // namespace director::reload
