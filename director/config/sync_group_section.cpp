// vrrp_sync_group NAME { group { VI_1 VI_2 } track_* notify_* smtp_alert sync_group_tracking_weight }.
#include <map>

#include "director/config/model.hpp"
#include "director/config/values.hpp"

namespace director::config {

void parse_vrrp_sync_group(const Node& s, Config& cfg, Diagnostics& diag) {
    if (s.args.size() != 1) {
        diag.error(s.where, "vrrp_sync_group takes one NAME");
        return;
    }
    VrrpSyncGroupConf g;
    g.name = s.args[0];
    g.where = s.where;
    bool have_group = false;
    for (const Node& n : s.children) {
        const std::string& k = n.keyword;
        if (k == "group") {
            have_group = true;
            // One or more names per line.
            for (const Node& line : n.children) {
                g.members.push_back({line.keyword, line.where});
                for (const auto& a : line.args) g.members.push_back({a, line.where});
            }
        } else if (k == "track_script") {
            parse_track_scripts(n, g.track_scripts, diag);
        } else if (k == "track_interface") {
            parse_track_interfaces(n, g.track_interfaces, diag);
        } else if (k == "track_file") {
            parse_track_file_refs(n, g.track_files, diag);
        } else if (k == "notify_master" || k == "notify_backup" || k == "notify_fault" || k == "notify") {
            auto argv = command_arg(n, diag);
            if (!argv) continue;
            (k == "notify_master" ? g.notify_master
             : k == "notify_backup" ? g.notify_backup
             : k == "notify_fault"  ? g.notify_fault
                                    : g.notify) = *argv;
        } else if (k == "smtp_alert") {
            if (auto v = flag_arg(n, diag)) g.smtp_alert = *v;
        } else if (k == "sync_group_tracking_weight") {
            g.tracking_weight = true;
        } else if (k == "global_tracking") {
            diag.warning(n.where, "global_tracking is deprecated (as in keepalived): it keeps the members' tracking "
                                  "weights like sync_group_tracking_weight; prefer track_* on the group");
            g.tracking_weight = true;
        } else {
            diag.error(n.where, "unknown keyword '" + k + "' in vrrp_sync_group (known: group, track_script, "
                                "track_interface, track_file, notify_master, notify_backup, notify_fault, notify, "
                                "smtp_alert, sync_group_tracking_weight, global_tracking)");
        }
    }
    if (!have_group || g.members.empty()) diag.error(s.where, "vrrp_sync_group " + g.name + ": 'group { ... }' is empty");
    for (const auto& other : cfg.sync_groups)
        if (other.name == g.name)
            diag.error(s.where, "vrrp_sync_group " + g.name + " is already defined at " + other.where.str());
    cfg.sync_groups.push_back(std::move(g));
}

void validate_sync_groups(const Config& cfg, Diagnostics& diag) {
    std::map<std::string, const VrrpSyncGroupConf*> owner;
    auto script_weight = [&](const VrrpTrackScriptConf& t) {
        if (t.weight) return *t.weight;
        for (const auto& s : cfg.vrrp_scripts)
            if (s.name == t.name) return s.weight;
        return 0;
    };
    auto file_weight = [&](const VrrpTrackFileConf& t) {
        if (t.weight) return *t.weight;
        for (const auto& f : cfg.track_files)
            if (f.name == t.name) return f.weight;
        return 1;
    };
    auto has_script = [&](const std::string& name) {
        for (const auto& s : cfg.vrrp_scripts)
            if (s.name == name) return true;
        return false;
    };
    for (const auto& g : cfg.sync_groups) {
        for (const auto& m : g.members) {
            const VrrpInstanceConf* in = nullptr;
            for (const auto& i : cfg.vrrp_instances)
                if (i.name == m.name) in = &i;
            if (!in) {
                diag.error(m.where, "vrrp_sync_group " + g.name + ": no vrrp_instance named '" + m.name + "'");
                continue;
            }
            if (auto [it, fresh] = owner.emplace(m.name, &g); !fresh) {
                diag.error(m.where, "vrrp_instance " + m.name + " is in vrrp_sync_group " + g.name +
                                        " and already in " + it->second->name + " at " + it->second->where.str() +
                                        " (an instance can be in one group only)");
                continue;
            }
            if (g.tracking_weight) continue;
            // keepalived's rule: members whose own weights move their priorities apart would re-elect forever.
            // Weighted scripts are dropped, interfaces count unweighted (down = FAULT), a file keeps counting
            // unweighted only when its weight is the default 1.
            for (const auto& t : in->track_scripts)
                if (script_weight(t) != 0)
                    diag.warning(t.where, "track_script " + t.name + " is ignored: it has a weight and " + m.name +
                                              " is in vrrp_sync_group " + g.name + " (track it on the group, or set "
                                              "sync_group_tracking_weight)");
            for (const auto& t : in->track_interfaces)
                if (t.weight != 0)
                    diag.warning(t.where, "track_interface " + t.name + ": weight ignored, " + m.name +
                                              " is in vrrp_sync_group " + g.name + " (down puts the group in FAULT)");
            for (const auto& t : in->track_files)
                if (file_weight(t) != 1 && file_weight(t) != 0)
                    diag.warning(t.where, "track_file " + t.name + " is ignored: it has a weight and " + m.name +
                                              " is in vrrp_sync_group " + g.name);
        }
        if (g.members.size() == 1)
            diag.warning(g.where, "vrrp_sync_group " + g.name + " has one member; it synchronises nothing");
        for (const auto& t : g.track_scripts)
            if (!has_script(t.name)) diag.error(t.where, "track_script: no vrrp_script named '" + t.name + "'");
        for (const auto& t : g.track_files)
            if (!has_track_file(cfg, t.name)) diag.error(t.where, "track_file: no track_file named '" + t.name + "'");
    }
}

}  // namespace director::config
