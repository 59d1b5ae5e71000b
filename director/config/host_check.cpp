#include "director/config/host_check.hpp"

#include <net/if.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "host/process.hpp"

namespace director::config {

bool interface_exists(const std::string& name) { return ::if_nametoindex(name.c_str()) != 0; }

namespace {

// A script that cannot run, or that enable_script_security would refuse, is an error wherever the
// file is checked: at run time the instance would silently keep its full priority, or the check
// would never pass. `user`: the script's own user, whose files are no escalation for it.
void check_script(const std::vector<std::string>& argv, const std::string& user, const GlobalDefs& g,
                  const Location& at, const std::string& what, Diagnostics& diag) {
    if (argv.empty()) return;
    const std::string& prog = argv[0];
    auto found = host::find_program(prog);
    struct stat st {};
    if (!found || ::stat(found->c_str(), &st) != 0) {
        diag.error(at, what + ": " + prog + " does not exist" +
                           (prog.find('/') == std::string::npos ? " in PATH" : ""));
        return;
    }
    if (!S_ISREG(st.st_mode) || ::access(found->c_str(), X_OK) != 0) {
        diag.error(at, what + ": " + *found + " is not an executable file");
        return;
    }
    if (!g.enable_script_security) return;
    std::string u = user;
    if (u.empty()) u = g.script_user.substr(0, g.script_user.find(' '));
    uid_t trusted = ::geteuid();
    if (!u.empty()) {
        if (passwd* pw = ::getpwnam(u.c_str())) trusted = pw->pw_uid;
    }
    if (auto why = host::script_insecurity(prog, trusted))
        diag.error(at, what + ": " + prog + " refused by enable_script_security: " + *why);
}

void check_script_line(const std::string& line, const GlobalDefs& g, const Location& at, const std::string& what,
                       Diagnostics& diag) {
    if (line.empty()) return;
    if (auto argv = host::split_command_line(line)) check_script(*argv, "", g, at, what, diag);
}

void check_scripts(const Config& cfg, Diagnostics& diag) {
    const auto& g = cfg.global;
    for (const auto& s : cfg.vrrp_scripts) check_script(s.argv, s.user, g, s.where, "vrrp_script " + s.name, diag);
    for (const auto& in : cfg.vrrp_instances) {
        const std::string who = "vrrp_instance " + in.name;
        check_script(in.notify_master, "", g, in.where, who + " notify_master", diag);
        check_script(in.notify_backup, "", g, in.where, who + " notify_backup", diag);
        check_script(in.notify_fault, "", g, in.where, who + " notify_fault", diag);
        check_script(in.notify_stop, "", g, in.where, who + " notify_stop", diag);
        check_script(in.notify, "", g, in.where, who + " notify", diag);
    }
    for (const auto& vs : cfg.virtual_servers) {
        check_script_line(vs.quorum_up, g, vs.where, "quorum_up", diag);
        check_script_line(vs.quorum_down, g, vs.where, "quorum_down", diag);
        for (const auto& rs : vs.real_servers) {
            check_script_line(rs.notify_up, g, rs.where, "notify_up", diag);
            check_script_line(rs.notify_down, g, rs.where, "notify_down", diag);
            for (const auto& c : rs.checkers)
                if (c.kind == CheckerKind::Misc) check_script(c.misc_argv, c.user.value_or(""), g, c.where, "MISC_CHECK", diag);
        }
    }
}

}  // namespace

void check_host(const Config& cfg, Diagnostics& diag, bool as_errors, const InterfaceExists& exists) {
    check_scripts(cfg, diag);
    std::set<std::string> reported;  // one line per missing interface and place is enough
    auto need = [&](const std::string& name, const Location& at, const std::string& what) {
        if (name.empty() || exists(name) || !reported.insert(at.str() + name).second) return;
        std::string msg = what + ": interface " + name + " does not exist on this host";
        if (as_errors) diag.error(at, msg);
        else diag.warning(at, msg);
    };
    for (const auto& in : cfg.vrrp_instances) {
        const std::string who = "vrrp_instance " + in.name;
        need(in.interface, in.interface_where.line > 0 ? in.interface_where : in.where, who);
        for (const auto& t : in.track_interfaces) need(t.name, t.where, who + " track_interface");
        for (const auto& v : in.vips) need(v.dev, v.where, who + " virtual_ipaddress");
        for (const auto& r : in.virtual_routes) need(r.spec.dev, r.where, who + " virtual_routes");
    }
    for (const auto& g : cfg.sync_groups)
        for (const auto& t : g.track_interfaces) need(t.name, t.where, "vrrp_sync_group " + g.name + " track_interface");
    for (const auto& a : cfg.static_network.addresses) need(a.spec.dev, a.where, "static_ipaddress");
    for (const auto& r : cfg.static_network.routes) need(r.spec.dev, r.where, "static_routes");
}

}  // namespace director::config
