#pragma once
// One care round as data: what the kernel must be told, decided from the virtual server as it is now and
// this round's probe results. Pure, so the decision table is unit-tested without a kernel.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "director/care/endpoint.hpp"
#include "director/ipvs/kernel.hpp"
#include "director/ipvs/ops.hpp"

namespace director::care {

struct ProbeResult {
    bool healthy = false;
    std::string error;  // why not, in lvscare's wording ("Get \"http://...\": dial tcp ...")
};

struct Step {
    ipvs::Op op;      // a weight change is an edit-dest with the new weight
    std::string why;  // the log line, lvscare's wording where lvscare has one
};

ipvs::Service desired_service(const Endpoint& vs, const std::string& scheduler);
ipvs::Destination desired_dest(const Endpoint& rs, int32_t weight);

// The one service this care instance owns, as the kernel reports it; others are never looked at again.
std::optional<ipvs::ServiceState> find_service(const std::vector<ipvs::ServiceState>& table, const ipvs::ServiceKey& key);

// --run-once and startup: make the service exist with every --rs present (weight 1 for added ones), and
// drop real servers not in --rs. No probes: an adopted destination keeps its current weight.
std::vector<Step> plan_setup(const ipvs::Service& want, const std::optional<ipvs::ServiceState>& have,
                             const std::vector<Endpoint>& rs);

// A health round. Per --rs: failing with weight != 0 -> weight 0 (graceful); failing with weight 0 ->
// delete; failing and absent -> nothing; passing and absent -> add with weight 1; passing with weight 0
// -> weight 1. Destinations not in --rs are deleted; a missing service is re-created first.
std::vector<Step> plan_round(const ipvs::Service& want, const std::optional<ipvs::ServiceState>& have,
                             const std::vector<Endpoint>& rs, const std::map<Endpoint, ProbeResult>& probes);

// Applies steps in order through ipvs::apply_ops, one at a time so each failure is logged right after its
// step's line. A failing step is logged and counted, the rest still run (one bad real server must not
// stop the others from being cared for). Returns the number of failed steps.
int apply_steps(ipvs::Kernel& kernel, const std::vector<Step>& steps);

}  // namespace director::care
