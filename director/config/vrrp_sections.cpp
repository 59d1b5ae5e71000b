// vrrp_script and vrrp_instance, keepalived's keywords. Every problem is reported with file:line and the
// interpreter keeps going, so `director check` lists all of them at once.
#include <algorithm>
#include <map>
#include <set>

#include "director/config/model.hpp"
#include "director/config/values.hpp"
#include "host/process.hpp"

namespace director::config {

namespace {

// keepalived keywords inside vrrp_instance that change nothing director needs (or that keepalived itself
// treats as hints); accepted with a warning so existing configs keep loading. Documented in docs/CONFIG.md.
bool ignored_in_instance(const std::string& k) {
    static const std::set<std::string> kIgnored = {
        "lvs_sync_daemon_interface", "debug", "garp_lower_prio_delay", "garp_lower_prio_repeat",
        "lower_prio_no_advert", "higher_prio_send_advert", "skip_check_adv_addr", "strict_mode",
        "check_unicast_src", "unicast_ttl", "kernel_rx_buf_size", "garp_master_refresh_repeat",
        "notify_master_rx_lower_pri", "no_accept", "accept",
    };
    return kIgnored.count(k) > 0 || is_ignored_keepalived_keyword(k);
}

// Keywords keepalived has that would change behaviour we do not implement: refusing them is safer than
// silently running something different.
bool unsupported_in_instance(const std::string& k) {
    static const std::set<std::string> kUnsupported = {
        "use_vmac", "vmac_xmit_base", "native_ipv6",
        "track_process", "track_bfd", "sync_group", "virtual_ipaddress_excluded_ipv6", "mcast_dst_ip",
    };
    return kUnsupported.count(k) > 0;
}

}  // namespace

std::optional<std::vector<std::string>> command_arg(const Node& n, Diagnostics& diag) {
    if (n.args.empty()) {
        diag.error(n.where, n.keyword + ": missing command");
        return std::nullopt;
    }
    std::vector<std::string> argv;
    if (n.args.size() == 1) {
        auto split = host::split_command_line(n.args[0]);
        if (!split || split->empty()) {
            diag.error(n.where, n.keyword + ": cannot split '" + n.args[0] + "' into words (unbalanced quotes?)");
            return std::nullopt;
        }
        argv = *split;
    } else {
        argv = n.args;
    }
    return argv;
}

namespace {

void parse_vip_block(const Node& block, bool excluded, VrrpInstanceConf& inst, Diagnostics& diag, int& lines) {
    lines += static_cast<int>(block.children.size());
    for (const Node& line : block.children) {
        // The tree sees "10.0.0.1/24 dev eth0 label eth0:1" as keyword + args.
        VrrpVipConf v;
        v.where = line.where;
        v.excluded = excluded;
        std::string addr = line.keyword;
        auto slash = addr.find('/');
        if (slash != std::string::npos) {
            Node fake = line;
            fake.keyword = "virtual_ipaddress prefix";
            fake.args = {addr.substr(slash + 1)};
            auto p = int_arg(fake, diag, 0, 32);
            if (!p) continue;
            v.prefix = static_cast<int>(*p);
            addr = addr.substr(0, slash);
        }
        auto ip = parse_ipv4(addr);
        if (!ip) {
            diag.error(line.where, "virtual_ipaddress: '" + line.keyword + "' is not an IPv4 address[/prefix]");
            continue;
        }
        v.address = *ip;
        bool ok = true;
        for (size_t i = 0; i < line.args.size(); ++i) {
            const std::string& opt = line.args[i];
            if ((opt == "dev" || opt == "label" || opt == "brd" || opt == "scope") && i + 1 < line.args.size()) {
                const std::string& val = line.args[++i];
                if (opt == "dev") v.dev = val;
                else if (opt == "label") v.label = val;
                else if (opt == "scope" && val != "global")
                    diag.warning(line.where, "virtual_ipaddress: scope " + val + " ignored, global is used");
                // brd: a /32 or the kernel default broadcast is what keepalived users get in practice.
            } else {
                diag.error(line.where, "virtual_ipaddress: unknown or incomplete option '" + opt +
                                           "' (known: dev IFNAME, label LABEL, brd ADDR, scope SCOPE)");
                ok = false;
                break;
            }
        }
        if (ok) inst.vips.push_back(v);
    }
}

}  // namespace

void parse_track_scripts(const Node& block, std::vector<VrrpTrackScriptConf>& out, Diagnostics& diag) {
    for (const Node& line : block.children) {
        VrrpTrackScriptConf t{line.keyword, std::nullopt, false, line.where};
        size_t i = 0;
        if (line.args.size() >= 2 && line.args[0] == "weight") {
            Node w = line;
            w.keyword = "track_script " + line.keyword + " weight";
            if (auto v = int_arg(w, diag, -253, 253, 1)) t.weight = static_cast<int>(*v);
            i = 2;
            if (i < line.args.size() && line.args[i] == "reverse") {
                t.reverse = true;
                ++i;
            }
        }
        if (i != line.args.size()) {
            diag.error(line.where, "track_script: expected NAME [weight N [reverse]]");
            continue;
        }
        out.push_back(t);
    }
}

void parse_track_interfaces(const Node& block, std::vector<VrrpTrackInterfaceConf>& out, Diagnostics& diag) {
    for (const Node& line : block.children) {
        VrrpTrackInterfaceConf t{line.keyword, 0, line.where};
        if (line.args.size() == 2 && line.args[0] == "weight") {
            Node w = line;
            w.keyword = "track_interface " + line.keyword + " weight";
            if (auto v = int_arg(w, diag, -253, 253, 1)) t.weight = static_cast<int>(*v);
        } else if (!line.args.empty()) {
            diag.error(line.where, "track_interface: expected IFNAME [weight N]");
            continue;
        }
        out.push_back(t);
    }
}

namespace {

void parse_authentication(const Node& block, VrrpInstanceConf& inst, Diagnostics& diag) {
    bool have_type = false;
    for (const Node& n : block.children) {
        if (n.keyword == "auth_type") {
            if (!expect_args(n, 1, diag)) continue;
            have_type = true;
            if (n.args[0] == "PASS") inst.auth = VrrpInstanceConf::Auth::Pass;
            else if (n.args[0] == "AH")
                diag.error(n.where, "auth_type AH is not supported (RFC 3768 removed it); use PASS or none");
            else
                diag.error(n.where, "auth_type: '" + n.args[0] + "' is not PASS or AH");
        } else if (n.keyword == "auth_pass") {
            if (!expect_args(n, 1, diag)) continue;
            inst.auth_pass = n.args[0];
            if (inst.auth_pass.size() > 8)
                diag.warning(n.where, "auth_pass is longer than 8 characters; only the first 8 are used (as keepalived)");
        } else {
            diag.error(n.where, "unknown keyword '" + n.keyword + "' in authentication (known: auth_type, auth_pass)");
        }
    }
    if (have_type && inst.auth == VrrpInstanceConf::Auth::Pass && inst.auth_pass.empty())
        diag.error(block.where, "authentication: auth_type PASS needs auth_pass");
}

// `ADDR [min_ttl N] [max_ttl N]` per line: keepalived's per-peer options, the hop window a peer's
// adverts must arrive in (255 = same link).
void unicast_peers(const Node& block, VrrpInstanceConf& in, Diagnostics& diag) {
    for (const Node& line : block.children) {
        auto ip = parse_ipv4(line.keyword);
        if (!ip) {
            diag.error(line.where, "unicast_peer: '" + line.keyword + "' is not an IPv4 address");
            continue;
        }
        in.unicast_peers.push_back(*ip);
        VrrpInstanceConf::PeerTtl t{*ip};
        bool limited = false;
        for (size_t i = 0; i < line.args.size(); i += 2) {
            const std::string& opt = line.args[i];
            if ((opt != "min_ttl" && opt != "max_ttl") || i + 1 >= line.args.size()) {
                diag.error(line.where, "unicast_peer: expected ADDR [min_ttl N] [max_ttl N], got '" + opt + "'");
                break;
            }
            Node value{opt, {line.args[i + 1]}, {}, false, line.where};
            auto v = int_arg(value, diag, 0, 255);
            if (!v) break;
            (opt == "min_ttl" ? t.min_ttl : t.max_ttl) = static_cast<int>(*v);
            limited = true;
        }
        if (t.min_ttl > t.max_ttl)
            diag.error(line.where, "unicast_peer: min_ttl " + std::to_string(t.min_ttl) + " is above max_ttl " +
                                       std::to_string(t.max_ttl));
        if (limited) in.unicast_peer_ttls.push_back(t);
    }
}

}  // namespace

void parse_vrrp_script(const Node& s, Config& cfg, Diagnostics& diag) {
    VrrpScriptConf sc;
    sc.where = s.where;
    if (s.args.size() != 1) {
        diag.error(s.where, "vrrp_script takes one NAME");
        return;
    }
    sc.name = s.args[0];
    bool have_script = false;
    for (const Node& n : s.children) {
        const std::string& k = n.keyword;
        if (k == "script") {
            if (auto argv = command_arg(n, diag)) {
                sc.argv = *argv;
                have_script = true;
            }
        } else if (k == "interval") {
            if (auto v = seconds_arg(n, diag, 1, 86400000)) sc.interval_ms = *v;
        } else if (k == "timeout") {
            if (auto v = seconds_arg(n, diag, 1, 86400000)) sc.timeout_ms = *v;
        } else if (k == "weight") {
            if (n.args.empty() || n.args.size() > 2 || (n.args.size() == 2 && n.args[1] != "reverse")) {
                diag.error(n.where, "weight takes N [reverse], N in -253..253");
                continue;
            }
            if (auto v = int_arg(n, diag, -253, 253)) sc.weight = static_cast<int>(*v);
            sc.weight_reverse = n.args.size() == 2;
        } else if (k == "rise") {
            if (auto v = int_arg(n, diag, 1, 1000)) sc.rise = static_cast<int>(*v);
        } else if (k == "fall") {
            if (auto v = int_arg(n, diag, 1, 1000)) sc.fall = static_cast<int>(*v);
        } else if (k == "init_fail") {
            sc.init_fail = true;
        } else if (k == "user") {
            if (n.args.empty() || n.args.size() > 2) diag.error(n.where, "user takes USER [GROUP]");
            else {
                sc.user = n.args[0];
                if (n.args.size() == 2) sc.group = n.args[1];
            }
        } else if (is_ignored_keepalived_keyword(k)) {
            warn_ignored(n, diag);
        } else {
            diag.error(n.where, "unknown keyword '" + k + "' in vrrp_script (known: script, interval, timeout, "
                                "weight, rise, fall, user, init_fail)");
        }
    }
    if (!have_script) diag.error(s.where, "vrrp_script " + sc.name + ": missing 'script'");
    for (const auto& other : cfg.vrrp_scripts)
        if (other.name == sc.name)
            diag.error(s.where, "vrrp_script " + sc.name + " is already defined at " + other.where.str());
    cfg.vrrp_scripts.push_back(std::move(sc));
}

void parse_vrrp_instance(const Node& s, Config& cfg, Diagnostics& diag) {
    VrrpInstanceConf in;
    in.where = s.where;
    if (s.args.size() != 1) {
        diag.error(s.where, "vrrp_instance takes one NAME");
        return;
    }
    in.name = s.args[0];
    bool have_vrid = false, nopreempt = false;
    int vip_lines = 0;  // written, valid or not: an invalid one is already reported
    const Node* nopreempt_at = nullptr;
    for (const Node& n : s.children) {
        const std::string& k = n.keyword;
        if (k == "state") {
            if (!expect_args(n, 1, diag)) continue;
            if (n.args[0] == "MASTER") in.initial_master = true;
            else if (n.args[0] != "BACKUP") diag.error(n.where, "state: '" + n.args[0] + "' is not MASTER or BACKUP");
        } else if (k == "interface") {
            if (expect_args(n, 1, diag)) {
                in.interface = n.args[0];
                in.interface_where = n.where;
            }
        } else if (k == "virtual_router_id") {
            have_vrid = true;  // a bad value is reported here; "missing" would only repeat it
            if (auto v = int_arg(n, diag, 1, 255)) in.vrid = static_cast<int>(*v);
        } else if (k == "priority") {
            if (auto v = int_arg(n, diag, 1, 255)) in.priority = static_cast<int>(*v);
        } else if (k == "advert_int") {
            // VRRPv2 carries whole seconds on the wire.
            if (auto v = int_arg(n, diag, 1, 255)) in.advert_int_s = static_cast<int>(*v);
        } else if (k == "nopreempt") {
            nopreempt = true;
            nopreempt_at = &n;
        } else if (k == "preempt") {
            nopreempt = false;
        } else if (k == "preempt_delay") {
            if (auto v = seconds_arg(n, diag, 0, 1000000)) in.preempt_delay_ms = *v;
        } else if (k == "smtp_alert") {
            if (auto v = flag_arg(n, diag)) in.smtp_alert = *v;
        } else if (k == "sync_catchup") {
            if (auto v = seconds_arg(n, diag, 0, 3600000)) in.sync_catchup_ms = *v;
        } else if (k == "authentication") {
            parse_authentication(n, in, diag);
        } else if (k == "virtual_ipaddress" || k == "virtual_ipaddress_excluded") {
            parse_vip_block(n, k == "virtual_ipaddress_excluded", in, diag, vip_lines);
        } else if (k == "virtual_routes") {
            parse_route_block(n, in.virtual_routes, diag);
        } else if (k == "virtual_rules") {
            parse_rule_block(n, in.virtual_rules, diag);
        } else if (k == "unicast_src_ip") {
            if (auto v = ipv4_arg(n, diag)) in.unicast_src_ip = *v;
        } else if (k == "mcast_src_ip") {
            if (auto v = ipv4_arg(n, diag)) in.mcast_src_ip = *v;
        } else if (k == "unicast_peer") {
            unicast_peers(n, in, diag);
        } else if (k == "track_script") {
            parse_track_scripts(n, in.track_scripts, diag);
        } else if (k == "track_interface") {
            parse_track_interfaces(n, in.track_interfaces, diag);
        } else if (k == "track_file") {
            parse_track_file_refs(n, in.track_files, diag);
        } else if (k == "dont_track_primary") {
            in.dont_track_primary = true;
        } else if (k == "garp_master_delay") {
            if (auto v = int_arg(n, diag, 0, 3600)) in.garp_master_delay_s = static_cast<int>(*v);
        } else if (k == "garp_master_repeat") {
            if (auto v = int_arg(n, diag, 1, 255)) in.garp_master_repeat = static_cast<int>(*v);
        } else if (k == "garp_master_refresh") {
            if (auto v = int_arg(n, diag, 0, 86400)) in.garp_master_refresh_s = static_cast<int>(*v);
        } else if (k == "garp_interval" || k == "gna_interval") {
            if (auto v = micros_arg(n, diag, 0, 10'000'000)) (k == "garp_interval" ? in.garp_interval_us : in.gna_interval_us) = *v;
        } else if (k == "notify_master" || k == "notify_backup" || k == "notify_fault" || k == "notify_stop" ||
                   k == "notify") {
            auto argv = command_arg(n, diag);
            if (!argv) continue;
            auto& dst = k == "notify_master"   ? in.notify_master
                        : k == "notify_backup" ? in.notify_backup
                        : k == "notify_fault"  ? in.notify_fault
                        : k == "notify_stop"   ? in.notify_stop
                                               : in.notify;
            dst = *argv;
        } else if (k == "version") {
            if (n.args.size() != 1 || n.args[0] != "2")
                diag.error(n.where, "version: only VRRP version 2 is supported");
        } else if (unsupported_in_instance(k)) {
            diag.error(n.where, "'" + k + "' is not supported by director");
        } else if (ignored_in_instance(k)) {
            warn_ignored(n, diag);
        } else {
            diag.error(n.where, "unknown keyword '" + k + "' in vrrp_instance");
        }
    }
    if (in.interface.empty()) diag.error(s.where, "vrrp_instance " + in.name + ": missing 'interface'");
    if (!have_vrid) diag.error(s.where, "vrrp_instance " + in.name + ": missing 'virtual_router_id'");
    if (vip_lines == 0) diag.error(s.where, "vrrp_instance " + in.name + ": virtual_ipaddress is empty");
    if (in.vips.size() > 255) diag.error(s.where, "vrrp_instance " + in.name + ": more than 255 virtual addresses");
    if (nopreempt) {
        // keepalived only honours nopreempt when the instance starts as BACKUP; say so instead of guessing.
        if (in.initial_master)
            diag.error(nopreempt_at->where, "nopreempt requires 'state BACKUP' (as in keepalived)");
        in.preempt = false;
    }
    if (in.priority == 255 && !in.track_scripts.empty())
        diag.warning(s.where, "vrrp_instance " + in.name + ": priority 255 (address owner) ignores track weights");
    for (const auto& other : cfg.vrrp_instances)
        if (other.name == in.name)
            diag.error(s.where, "vrrp_instance " + in.name + " is already defined at " + other.where.str());
    cfg.vrrp_instances.push_back(std::move(in));
}

bool has_track_file(const Config& cfg, const std::string& name) {
    return std::any_of(cfg.track_files.begin(), cfg.track_files.end(),
                       [&](const TrackFileConf& f) { return f.name == name; });
}

void validate_vrrp(const Config& cfg, Diagnostics& diag) {
    std::map<std::pair<std::string, int>, const VrrpInstanceConf*> seen;
    for (const auto& in : cfg.vrrp_instances) {
        for (const auto& t : in.track_scripts) {
            bool found = std::any_of(cfg.vrrp_scripts.begin(), cfg.vrrp_scripts.end(),
                                     [&](const VrrpScriptConf& s) { return s.name == t.name; });
            if (!found) diag.error(t.where, "track_script: no vrrp_script named '" + t.name + "'");
        }
        for (const auto& t : in.track_files)
            if (!has_track_file(cfg, t.name)) diag.error(t.where, "track_file: no track_file named '" + t.name + "'");
        auto key = std::make_pair(in.interface, in.vrid);
        if (auto it = seen.find(key); it != seen.end())
            diag.error(in.where, "vrrp_instance " + in.name + ": virtual_router_id " + std::to_string(in.vrid) +
                                     " on " + in.interface + " is already used by " + it->second->name + " at " +
                                     it->second->where.str());
        else
            seen[key] = &in;
        if (in.unicast_src_ip && in.unicast_peers.empty())
            diag.error(in.where, "vrrp_instance " + in.name + ": unicast_src_ip without unicast_peer");
    }
}

}  // namespace director::config
