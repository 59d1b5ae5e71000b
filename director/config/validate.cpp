#include "director/config/model.hpp"

namespace director::config {

// Cross-section rules. Each section's own rules live with its interpreter; what needs two sections
// at once is checked here, after everything was read.
void validate(Config& cfg, Diagnostics& diag) {
    validate_vrrp(cfg, diag);
}

void require_work(const Config& cfg, Diagnostics& diag) {
    // An empty file or one with only global settings would start a daemon that idles while the operator
    // believes it protects a VIP.
    if (cfg.vrrp_instances.empty() && cfg.virtual_servers.empty())
        diag.error({cfg.path, 0}, "nothing to do: no vrrp_instance and no virtual_server");
}

}  // namespace director::config
