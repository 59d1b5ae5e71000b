#pragma once
// `director drill`: a measured planned switchover on a live master. Each round hands the VIP to the
// peer with `switchover --hold`, waits for this node to take it back when the hold ends, and reports
// what clients saw meanwhile (probes every 50 ms, one long-lived connection) against the RFC's bound.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace director::drill {

struct DrillOptions {
    std::string control_socket = "/run/director/director.sock";
    std::string instance;              // default: the (first) instance that is master
    std::optional<std::string> probe;  // default: tcp:// to the instance's virtual server on its VIP
    std::string ca;                    // for https probes
    int rounds = 1;
    double hold_s = 2;                 // how long the peer keeps the VIP before this node takes it back
    bool json = false;
};

// Prints the report (text, or the JSON document with --json); returns 0 when every round ran,
// 1 refused or failed (reason on stderr), 2 no daemon answered.
int run_drill(const DrillOptions& o);

}  // namespace director::drill
