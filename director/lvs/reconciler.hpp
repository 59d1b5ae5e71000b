#pragma once
// Desired IPVS state (config + health decisions) against what the kernel holds, turned into the smallest
// list of add/edit/delete operations. The reconciler owns exactly the services its config names: it adopts
// them when they already exist (so their counters keep counting across a restart), repairs them when
// someone else changes them, and leaves every other service alone unless told to flush (lvs_flush).
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "director/config/model.hpp"
#include "director/ipvs/kernel.hpp"
#include "director/lvs/health_view.hpp"

namespace director::lvs {

struct DesiredService {
    ipvs::Service service;
    std::vector<ipvs::Destination> dests;
    size_t vs_index = 0;  // position in Config::virtual_servers
};

std::vector<DesiredService> desired_state(const config::Config& cfg, const HealthSource& health);

// Two services differ in a way an edit must fix (scheduler, flags, persistence).
bool service_differs(const ipvs::Service& want, const ipvs::Service& have);
bool dest_differs(const ipvs::Destination& want, const ipvs::Destination& have);

// The operations that make `actual` match `desired`. Services in `owned` that are no longer desired are
// deleted; services neither desired nor owned are deleted only when `delete_foreign`. Deletes come first,
// then service adds/edits, each followed by its destinations.
std::vector<ipvs::Op> plan(const std::vector<DesiredService>& desired, const std::vector<ipvs::ServiceState>& actual,
                           const std::set<ipvs::ServiceKey>& owned, bool delete_foreign);

struct ReconcileResult {
    bool ok = true;
    size_t added = 0, edited = 0, deleted = 0, failed = 0;  // operations sent, by outcome
    size_t adopted = 0;  // desired services found already in the kernel on the first pass
    std::vector<std::string> errors;  // the first few failures, "add-dest TCP ...: File exists"
    std::chrono::system_clock::time_point at;
    std::chrono::microseconds took{0};  // list + plan + apply
    size_t changes() const { return added + edited + deleted; }
};

class Reconciler {
public:
    explicit Reconciler(ipvs::Kernel& kernel) : kernel_(kernel) {}
    // Lists the kernel table, plans and applies. Throws ipvs::KernelError only when the table cannot be read.
    ReconcileResult reconcile(const std::vector<DesiredService>& desired, bool delete_foreign = false);
    // Deletes every owned service (clean stop without --keep-ipvs).
    ReconcileResult remove_owned();
    const std::set<ipvs::ServiceKey>& owned() const { return owned_; }
    // The kernel's view of the owned services after the last reconcile, for status().
    const std::vector<ipvs::ServiceState>& last_seen() const { return last_seen_; }

private:
    ReconcileResult run(const std::vector<ipvs::Op>& ops);

    ipvs::Kernel& kernel_;
    std::set<ipvs::ServiceKey> owned_;
    std::vector<ipvs::ServiceState> last_seen_;
    bool first_ = true;
};

}  // namespace director::lvs
