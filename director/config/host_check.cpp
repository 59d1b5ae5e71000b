#include "director/config/host_check.hpp"

#include <net/if.h>

#include <set>

namespace director::config {

bool interface_exists(const std::string& name) { return ::if_nametoindex(name.c_str()) != 0; }

void check_host(const Config& cfg, Diagnostics& diag, bool as_errors, const InterfaceExists& exists) {
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
    }
}

}  // namespace director::config
