#include "director/config/model.hpp"

namespace director::config {

// Cross-section rules. Each section's own rules live with its interpreter; what needs two sections
// at once is checked here, after everything was read.
void validate(Config& cfg, Diagnostics& diag) {
    validate_vrrp(cfg, diag);
}

}  // namespace director::config
