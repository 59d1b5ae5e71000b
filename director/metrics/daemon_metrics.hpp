#pragma once
// /metrics for `director run`: every figure comes from the status document (`director status --json`), so
// what Prometheus scrapes and what the command shows cannot disagree. Two sets of names:
//  - director_*: this project's own, following Prometheus naming (units, _total for counters);
//  - keepalived_*: the names and labels mehdy/keepalived-exporter publishes, so existing Grafana dashboards
//    keep working (docs/METRICS.md has the mapping).
#include <nlohmann/json.hpp>
#include <string>

namespace director::metrics {

std::string render_daemon_metrics(const nlohmann::json& status);

// keepalived's numeric VRRP states as the exporter publishes them: INIT 0, BACKUP 1, MASTER 2, FAULT 3.
int keepalived_state_code(const std::string& state);

}  // namespace director::metrics
