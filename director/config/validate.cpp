#include "director/config/model.hpp"

namespace director::config {

// Cross-section rules. Each section's own rules live with its interpreter; what needs two sections
// at once is checked here, after everything was read.
void validate(Config& cfg, Diagnostics& diag) {
    validate_vrrp(cfg, diag);
    validate_sync_groups(cfg, diag);
    if (const auto& sd = cfg.global.lvs_sync_daemon; sd && !sd->vrrp_instance.empty()) {
        bool known = false;
        for (const auto& in : cfg.vrrp_instances) known |= in.name == sd->vrrp_instance;
        if (!known)
            diag.error(sd->where, "lvs_sync_daemon follows vrrp_instance " + sd->vrrp_instance +
                                      ", which this file does not define");
    }
}

void require_work(const Config& cfg, Diagnostics& diag) {
    // An empty file or one with only global settings would start a daemon that idles while the operator
    // believes it protects a VIP.
    if (cfg.vrrp_instances.empty() && cfg.virtual_servers.empty())
        diag.error({cfg.path, 0}, "nothing to do: no vrrp_instance and no virtual_server");
}

}  // namespace director::config
