#pragma once
// The LVS half of `director run`: keeps the kernel's IPVS table equal to the config's virtual_servers,
// with real-server membership decided by health checks.
//
// Lifecycle:
//  - start(): opens the IPVS netlink family (loading ip_vs if needed), sets ip_forward (NAT) and IPVS
//    conntrack (NAT with netfilter conntrack loaded), adopts matching rules already in the kernel, applies
//    the difference, then re-reads the table every delay_loop (the shortest of all virtual_servers) and
//    repairs any drift: an owned rule deleted or edited by someone else is back within one delay_loop.
//  - stop(): removes the owned services, as keepalived does on a clean shutdown, unless
//    RunOptions::keep_ipvs_on_exit (`director run --keep-ipvs`), in which case they stay and the next
//    start adopts them without dropping a connection. A kill -9 leaves them too.
//  - status(): services, destinations, weights, the last reconcile and error counters.
//
// Threads: listing and editing the table run on a WorkerThread thread, one pass at a time, so a table of
// tens of thousands of rules never delays the event loop (VRRP adverts share it). Only the pass touches
// kernel_ and reconciler_ once started; what status() shows is the copy the last pass handed back. Requests
// for a pass while one runs fold into one more pass after it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "director/component.hpp"
#include "director/components.hpp"
#include "director/config/model.hpp"
#include "director/ipvs/kernel.hpp"
#include "director/lvs/health_view.hpp"
#include "director/lvs/membership_interface.hpp"
#include "director/lvs/reconciler.hpp"
#include "director/worker_thread.hpp"

namespace director {

using KernelFactory = std::function<std::unique_ptr<ipvs::Kernel>()>;

class LvsComponent final : public Component {
public:
    // `membership` may be empty or build null: every configured real server is then in service
    // (lvs::AlwaysUp).
    LvsComponent(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg, const RunOptions& opts,
                 KernelFactory kernel, MembershipFactory membership);
    ~LvsComponent() override;

    void start() override;
    void stop(std::function<void()> done) override;
    // A full reconcile against the kernel with the new config: unchanged services and real servers are
    // not touched, changed ones are edited in place, real servers removed from a kept virtual_server are
    // drained (lvs::DrainList), and whatever someone deleted by hand is restored. Health checks whose
    // definition is unchanged keep running with their state.
    void apply(const std::shared_ptr<const config::Config>& next, const reload::ConfigDiff& diff) override;
    nlohmann::json status() const override;
    StatusBuilder status_snapshot() const override;
    const char* name() const override { return "lvs"; }
    std::string summary() const override;
    // `f` runs once every pass asked for so far has reached the kernel (a reload answers after that).
    void settled(std::function<void()> f) override;

    // Reconciles now instead of at the next delay_loop (health decision changed).
    void reconcile_now();

    // `director backend drain|enable|query`: args {"action", "backend": "ADDR:PORT", "service"?: "VIP:PORT"}.
    // A real server drained by hand has weight 0 whatever its health checks say, across reloads and (with
    // a state dir) restarts, until enabled. The reply comes once the change has reached the kernel and
    // carries each matching real server's weight and connection counts as the kernel reports them.
    void backend_request(const nlohmann::json& args, std::function<void(const nlohmann::json&)> reply);
    // Whether real server `rs` of virtual_server `vs` (config indices) is drained by hand.
    bool hand_drained(size_t vs, size_t rs) const;

private:
    struct PassRequest;
    struct PassResult;
    bool open_kernel();  // on the loop, before any pass: the first verdict on IPVS is known at once
    ipvs::ChannelLimits channel_limits() const;  // the socket buffer global_defs asks for
    void request_pass(bool after_reload = false);
    void launch_pass();
    PassResult run_pass(const PassRequest& req);  // on the worker thread
    void finish_pass(PassResult r);
    void schedule();
    void set_availability(bool available, const std::string& reason);
    const lvs::HealthSource& health() const;
    size_t configured_services() const;  // kernel services: one per virtual_server, one per group member
    std::set<ipvs::SyncState> sync_roles_wanted() const;  // on the loop
    void wire_membership();  // on_change and on_transition of a new membership_
    std::set<ipvs::SyncState> sync_running_;               // worker-side: the roles this process started
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for listeners that may outlive this
    // Health as the reconciler applies it: the checks' verdict, with hand drains at weight 0.
    class HandDrainedView final : public lvs::HealthSource {
    public:
        explicit HandDrainedView(const LvsComponent& owner) : owner_(owner) {}
        lvs::RealServerDecision decide(size_t vs, size_t rs, int32_t configured_weight) const override;
        bool use_sorry_server(size_t vs) const override;

    private:
        const LvsComponent& owner_;
    };
    std::unique_ptr<HandDrainedView> applied_health_;
    std::map<std::string, int64_t> hand_drains_;  // state::drain_key -> since
    std::shared_ptr<state::StateStore> store_;

    boost::asio::io_context& io_;
    std::shared_ptr<const config::Config> cfg_;  // shared with the daemon and the membership, never copied
    RunOptions opts_;
    KernelFactory make_kernel_;
    MembershipFactory make_membership_;
    std::unique_ptr<ipvs::Kernel> kernel_;         // worker-side once started (see Threads above)
    std::unique_ptr<lvs::Reconciler> reconciler_;  // likewise
    std::unique_ptr<Membership> membership_;
    lvs::AlwaysUp always_up_;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds period_{60000};
    uint64_t drains_done_ = 0, drains_timed_out_ = 0;
    bool stopping_ = false;
    bool started_ = false;
    bool reconcile_posted_ = false;

    lvs::ReconcileResult last_;
    std::string last_error_;  // kernel unreachable, table unreadable
    uint64_t reconciles_ = 0, kernel_errors_ = 0, op_failures_ = 0, drift_repairs_ = 0;
    uint64_t netlink_resyncs_ = 0;  // passes redone on a fresh socket after replies were lost (ENOBUFS)
    size_t netlink_window_ = ipvs::ChannelLimits::kDefaultWindow;  // as the last pass left it, for status()
    size_t window_ = ipvs::ChannelLimits::kDefaultWindow;          // worker-side: halved at each overflow
    nlohmann::json sysctls_ = nlohmann::json::array();

    // Pass bookkeeping, on the loop.
    bool busy_ = false, again_ = false, again_after_reload_ = false;
    bool redo_host_setup_ = false;  // forwarding sysctls at the next pass
    bool sync_start_ = false;       // start the configured sync daemon at the next pass
    std::optional<config::LvsSyncDaemon> sync_stop_;  // a reload changed lvs_sync_daemon: stop this one first
    struct DrainRequest {
        ipvs::ServiceKey service;
        std::pair<uint32_t, uint16_t> dest;
        lvs::DrainList::Clock::time_point deadline;
    };
    std::vector<DrainRequest> pending_drains_;
    std::vector<std::function<void()>> settled_;
    // The kernel as the last pass saw it, for status().
    bool connected_ = false;
    // Shared, never edited: a status snapshot keeps the table it was taken with without copying it.
    std::shared_ptr<const std::vector<ipvs::ServiceState>> seen_ = std::make_shared<std::vector<ipvs::ServiceState>>();
    size_t owned_ = 0, draining_ = 0;

    WorkerThread worker_;  // last: destroyed (joined) before the kernel objects its jobs use
};

// make_lvs_component with its parts chosen by the caller (tests, benchmarks, the membership work).
std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg,
                                              const RunOptions& opts, KernelFactory kernel,
                                              MembershipFactory membership);
// The same from a config of the caller's, copied (tests).
std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, const config::Config& cfg,
                                              const RunOptions& opts, KernelFactory kernel,
                                              MembershipFactory membership);

}  // namespace director
