#pragma once
// Views of the daemon's status document (Daemon::status()): the short summary `director status` prints,
// the full indented tree of `director status --verbose`, and the counters SIGUSR2 writes to the log.
// Every view tolerates missing keys, so a newer or older daemon's document still renders.
#include <nlohmann/json.hpp>
#include <ostream>

namespace director {

// Per VRRP instance: state, effective/configured priority, VIPs held vs configured, the master; per
// virtual server: real servers up/total; then anything that needs attention.
void render_summary(const nlohmann::json& status, std::ostream& out);
// Every key as indented "key: value" lines.
void render_tree(const nlohmann::json& status, std::ostream& out);
// Counters only (no configuration, no state): what SIGUSR2 logs.
nlohmann::json counters_view(const nlohmann::json& status);

}  // namespace director
