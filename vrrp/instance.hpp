#pragma once
// One vrrp_instance at run time: the pure StateMachine plus the thin drivers that carry out its actions
// (raw socket, timer, VIPs, gratuitous ARP: all through InstanceIo, so a unit test can fake them; notify
// scripts) and feed it events (adverts, timer expiry, track scripts, interface state).
#include <boost/asio/io_context.hpp>
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vrrp/instance_io.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/receive_rules.hpp"
#include "vrrp/state_machine.hpp"
#include "vrrp/sync_group.hpp"
#include "vrrp/track_file.hpp"
#include "vrrp/track_script.hpp"
#include "vrrp/vip.hpp"
#include "vrrp/virtual_routes.hpp"

namespace vrrp {

struct TrackInterface {
    std::string name;
    int weight = 0;
};

struct TrackScriptRef {
    TrackScript* script = nullptr;  // owned by the component, outlives the instance
    int weight = 0;
    bool reverse = false;
};

struct TrackFileRef {
    TrackFile* file = nullptr;  // owned by the component, outlives the instance
    int weight = 1;
    bool reverse = false;
};

struct InstanceConfig {
    // What the state machine runs on (name, priority, timers, preemption, GARP bursts); its primary_ip is
    // filled in at start from source_ip or the interface.
    MachineParams machine;
    std::string interface;
    int vrid = 0;
    AuthType auth_type = AuthType::None;
    std::string auth_pass;
    std::vector<VipSpec> vips;            // dev already resolved
    std::vector<RouteSpec> virtual_routes;  // held with the VIPs, added after them
    std::vector<RuleSpec> virtual_rules;
    std::optional<uint32_t> source_ip;    // unicast_src_ip / mcast_src_ip; else the interface's first IPv4
    bool unicast = false;
    std::vector<uint32_t> peers;
    std::vector<PeerTtl> peer_ttls;       // unicast_peer ... min_ttl/max_ttl
    Duration garp_interval{0};  // between two gratuitous ARPs
    std::vector<std::string> notify_master, notify_backup, notify_fault, notify_stop, notify;
    std::chrono::milliseconds notify_timeout{30000};  // killed after this, with its process group
    bool dont_track_primary = false;
    std::vector<TrackInterface> track_interfaces;
    std::vector<TrackScriptRef> track_scripts;
    std::vector<TrackFileRef> track_files;
    bool script_security = false;
    std::optional<std::string> script_user, script_group;
    // A condition outside VRRP that must hold for this instance to hold its VIPs (IPVS programmable for
    // a virtual server's VIP): returns the FAULT reason while it does not. Call Instance::recheck() when
    // it may have changed.
    std::function<std::optional<std::string>()> external_fault;
};

class Instance final : public SyncMember {
public:
    // `os`: what the instance does to the system (vrrp/instance_io.hpp); null for the real one on `io`.
    Instance(boost::asio::io_context& io, InstanceConfig cfg, std::unique_ptr<InstanceIo> os = nullptr);
    ~Instance() override;
    void start();
    // SIGTERM path: priority-0 advert if master, VIPs removed, notify_stop run; `done` once finished.
    void stop(std::function<void()> done);
    // A reload changed this instance's settings (`next` is the same router: interface, vrid, advert_int,
    // authentication, addresses and peers as before). State, timers and counters stay. VIPs are edited one
    // by one: a master adds only the new ones (with a gratuitous ARP burst for those alone) and removes
    // only the dropped ones; priority, preempt and tracking take effect at once.
    void update(InstanceConfig next);
    // Planned hand-over (StateMachine::begin_handover): nullopt and `done` once a peer is master or none
    // took over; or at once the reason it cannot start (not master, already handing over, address owner).
    using HandoverDone = std::function<void(const HandoverResult&)>;
    std::optional<std::string> handover(std::optional<Duration> hold, bool maintenance, HandoverDone done);
    // Maintenance at once (a master drops its VIPs with a priority-0 advert). Before start(): the
    // instance starts in maintenance.
    void set_maintenance(bool on, const std::string& reason);
    bool maintenance() const { return sm_ ? sm_->maintenance() : maintenance_at_start_; }
    // Called after every state change (the IPVS sync daemon follows some instances).
    std::function<void(State)> on_state_change;
    // Called each time the VRRP timer fires with how late it fired (max_auto_priority watches this).
    std::function<void(Duration)> on_timer_fired;
    // The vrrp_sync_group this instance belongs to (owned by the component), or null.
    // Leaving a group (a reload rebuilds them) drops the group's FAULT verdict with it; the new group
    // hands down its own through refresh().
    void set_sync_group(SyncGroup* group) {
        group_ = group;
        if (!group_) group_fault_.reset();
    }
    SyncGroup* sync_group() const { return group_; }
    // SyncMember.
    const std::string& member_name() const override { return cfg_.machine.name; }
    State member_state() const override { return sm_ ? sm_->state() : State::Init; }
    bool own_fault() const override { return own_fault_; }
    void sync_fault(std::optional<std::string> reason) override;
    void sync_master(const std::string& reason) override;
    void sync_backup(const std::string& reason) override;
    // Re-evaluates tracked items and external conditions now.
    void recheck() {
        if (!stopping_) retrack();
    }

    // Status.
    const InstanceConfig& config() const { return cfg_; }
    const StateMachine& machine() const { return *sm_; }
    const ReceiveCounters& counters() const { return counters_; }
    uint32_t primary_ip() const { return primary_ip_; }
    uint64_t adverts_sent() const { return adverts_sent_; }
    uint64_t priority_zero_sent() const { return pri_zero_sent_; }
    uint64_t priority_zero_received() const { return pri_zero_received_; }
    uint64_t garps_sent() const { return os_->garps_sent(); }
    // Everything that sets the priority or FAULT, the sync group's verdict last.
    std::vector<TrackedItem> tracked() const;
    const std::string& last_error() const { return last_error_; }
    // The configured VIPs this instance has on its interfaces now (an address owner's own address always).
    std::vector<VipSpec> vips_held() const;
    // The virtual_routes / virtual_rules this instance has in the kernel now.
    const VirtualRoutes& virtual_routes() const { return routes_; }
    // "198.18.0.100/24 dev eth0 label eth0:1", as the log and status write a VIP.
    static std::string describe_vip(const VipSpec& v);

private:
    void run(const Actions& actions);
    void arm_timer();
    void on_packet(std::span<const uint8_t> pkt);
    void retrack();
    bool scripts_reported() const;
    void poll_links();
    bool try_open_socket();
    void notify(State s, int priority);
    void run_script(const std::vector<std::string>& argv, const char* what);
    void error(const std::string& msg);
    MachineParams machine_params() const;
    // The instance's own trackers, without the sync group.
    std::vector<TrackedItem> tracked_own() const;
    void append_group_verdict(std::vector<TrackedItem>& items) const;
    // The tracked items read once: sets own_fault_ from the instance's own, returns the verdict with the group's.
    TrackResult evaluate();
    void subscribe_trackers();
    void unsubscribe_trackers();
    void derive_receive_rules();

    boost::asio::io_context& io_;
    InstanceConfig cfg_;
    std::unique_ptr<InstanceIo> os_;
    std::unique_ptr<StateMachine> sm_;
    std::unique_ptr<AdvertSocket> socket_;
    VirtualRoutes routes_{cfg_.machine.name};
    ReceiveExpect expect_;
    ReceiveCounters counters_;
    AuthData auth_data_{};
    uint32_t primary_ip_ = 0;
    uint64_t adverts_sent_ = 0, pri_zero_sent_ = 0, pri_zero_received_ = 0;
    std::vector<std::pair<std::string, bool>> link_up_;  // tracked interfaces, last seen state
    std::vector<std::function<void()>> unsubscribe_;  // one per tracked script or file
    SyncGroup* group_ = nullptr;
    std::optional<std::string> group_fault_;
    bool own_fault_ = false;
    bool stopping_ = false;
    int notify_pending_ = 0;
    std::function<void()> stop_done_;
    HandoverDone handover_done_;
    bool maintenance_at_start_ = false;
    std::string last_error_;
    std::set<uint32_t> held_;  // VIP addresses this instance added and has not removed
    // Rate-limited logging of drops: at most one line per reason per 10 s.
    std::array<TimePoint, kDropReasons + 1> last_drop_log_{};
};

}  // namespace vrrp
