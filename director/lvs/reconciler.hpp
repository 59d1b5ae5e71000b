#pragma once
// Desired IPVS state (config + health decisions) against what the kernel holds, turned into the smallest
// list of add/edit/delete operations. The reconciler owns exactly the services its config names: it adopts
// them when they already exist (so their counters keep counting across a restart), repairs them when
// someone else changes them, and leaves every other service alone unless told to flush (lvs_flush).
#include <chrono>
#include <map>
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

// Real servers a reload removed from the file: instead of being cut, each stays in its service at weight 0
// (established connections finish, new ones go elsewhere) until it has no active connection or its
// deadline (the virtual_server's drain_timeout) has passed; then plan() deletes it. Health checks do
// their own draining (membership.hpp); a real server someone added by hand is not ours to drain.
class DrainList {
public:
    using Clock = std::chrono::steady_clock;
    struct Key {
        ipvs::ServiceKey service;
        std::pair<uint32_t, uint16_t> dest;
        auto operator<=>(const Key&) const = default;
    };
    void add(const ipvs::ServiceKey& service, std::pair<uint32_t, uint16_t> dest, Clock::time_point deadline) {
        entries_[{service, dest}] = deadline;
    }
    // Keep `d` of `service` in the table (at weight 0) for now.
    bool holds(const ipvs::ServiceKey& service, const ipvs::DestinationState& d, Clock::time_point now) const;
    bool listed(const ipvs::ServiceKey& service, std::pair<uint32_t, uint16_t> dest) const {
        return entries_.count({service, dest}) > 0;
    }
    // Drops entries for destinations that are wanted again or no longer in `actual` (drained, or deleted
    // by someone else).
    void prune(const std::vector<DesiredService>& desired, const std::vector<ipvs::ServiceState>& actual);
    size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

private:
    std::map<Key, Clock::time_point> entries_;
};

// The operations that make `actual` match `desired`. Services in `owned` that are no longer desired are
// deleted; services neither desired nor owned are deleted only when `delete_foreign`; a destination no
// longer desired is deleted unless `drains` holds it (then it is set to weight 0). Deletes come first,
// then service adds/edits, each followed by its destinations.
std::vector<ipvs::Op> plan(const std::vector<DesiredService>& desired, const std::vector<ipvs::ServiceState>& actual,
                           const std::set<ipvs::ServiceKey>& owned, bool delete_foreign,
                           const DrainList* drains = nullptr, DrainList::Clock::time_point now = {});

struct ReconcileResult {
    bool ok = true;
    size_t added = 0, edited = 0, deleted = 0, failed = 0;  // operations sent, by outcome
    size_t adopted = 0;  // desired services found already in the kernel on the first pass
    // Drains that ended with this pass (the real server was deleted), and how.
    struct DrainEnd {
        ipvs::ServiceKey service;
        std::pair<uint32_t, uint16_t> dest;
        uint32_t active_conns = 0;  // non-zero: drain_timeout ran out first
    };
    std::vector<DrainEnd> drained;
    size_t draining = 0;  // real servers still draining after this pass
    std::vector<std::string> errors;  // the first few failures, "add-dest TCP ...: File exists"
    std::chrono::system_clock::time_point at;
    std::chrono::microseconds took{0};  // list + plan + apply
    size_t changes() const { return added + edited + deleted; }
};

class Reconciler {
public:
    explicit Reconciler(ipvs::Kernel& kernel) : kernel_(&kernel) {}
    // Goes on with another connection to the kernel (a fresh socket after replies were lost), keeping what
    // it owns and drains.
    void rebind(ipvs::Kernel& kernel) { kernel_ = &kernel; }
    // Lists the kernel table, plans and applies. Throws ipvs::KernelError only when the table cannot be read.
    ReconcileResult reconcile(const std::vector<DesiredService>& desired, bool delete_foreign = false,
                              DrainList::Clock::time_point now = DrainList::Clock::now());
    // Real server `dest` of `service` leaves the config: drain it until `deadline` (see DrainList).
    void drain(const ipvs::ServiceKey& service, std::pair<uint32_t, uint16_t> dest,
               DrainList::Clock::time_point deadline) {
        drains_.add(service, dest, deadline);
    }
    const DrainList& drains() const { return drains_; }
    // Deletes every owned service (clean stop without --keep-ipvs).
    ReconcileResult remove_owned();
    const std::set<ipvs::ServiceKey>& owned() const { return owned_; }
    // The kernel's view of the owned services after the last reconcile, for status().
    const std::vector<ipvs::ServiceState>& last_seen() const { return last_seen_; }

private:
    ReconcileResult run(const std::vector<ipvs::Op>& ops);

    ipvs::Kernel* kernel_;
    std::set<ipvs::ServiceKey> owned_;
    std::vector<ipvs::ServiceState> last_seen_;
    DrainList drains_;
    bool first_ = true;
};

}  // namespace director::lvs
