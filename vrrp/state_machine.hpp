#pragma once
// The VRRP router state machine of RFC 3768 section 6.4, with keepalived's additions (preempt_delay,
// FAULT, gratuitous ARP schedule). Pure: events and the current time go in, actions come out. It owns its
// timers as deadlines; the driver sleeps until next_deadline() and then calls timers_expired().
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vrrp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::microseconds;

enum class State { Init, Backup, Master, Fault, Stopped };
const char* to_string(State s);

struct MachineParams {
    std::string name;              // for log lines
    uint32_t primary_ip = 0;       // host order; the tie-breaker at equal priority
    int priority = 100;            // configured, 1..255
    int adver_int_s = 1;
    bool preempt = true;
    Duration preempt_delay{0};
    int garp_master_repeat = 5;
    Duration garp_master_delay = std::chrono::seconds(5);  // 0 = no second burst
    Duration garp_master_refresh{0};                        // 0 = no periodic refresh
    // A returning node (start, maintenance off) lets a lower-priority master keep the VIP this long
    // before preempting it, so the IPVS sync daemon has learnt that master's connections first.
    Duration sync_catchup{0};
};

// How a planned hand-over (switchover, maintenance on) ended.
struct HandoverResult {
    bool ok = false;                 // a peer became master; false: no peer did, still master
    uint32_t new_master = 0;         // the peer's address (host order) when ok
    Duration took{0};                // priority-0 advert to the peer's first master advert
    std::string reason;              // a sentence for the operator
};

struct Action {
    enum class Kind { SendAdvert, AddVips, RemoveVips, SendGarp, Notify, HandoverDone };
    Kind kind;
    int priority = 0;            // SendAdvert
    int count = 0;               // SendGarp: how many per VIP
    State state = State::Init;   // Notify: the state entered (Stopped = notify_stop)
    // HandoverDone: state is Backup when a peer took over, Master when none did (handover() has the rest).
    bool operator==(const Action&) const = default;
};
using Actions = std::vector<Action>;

class StateMachine {
public:
    explicit StateMachine(MachineParams p);

    // `faulted`: a tracked interface or script already says FAULT.
    Actions start(TimePoint now, bool faulted = false, const std::string& fault_reason = "");
    // An advert that passed every receive rule.
    Actions advert_received(TimePoint now, uint32_t source, int priority);
    // Handles every deadline at or before `now`.
    Actions timers_expired(TimePoint now);
    // SIGTERM: a master hands over at once with a priority-0 advert.
    Actions shutdown(TimePoint now);
    // Track scripts / interfaces changed the effective priority (already clamped by the caller).
    Actions set_effective_priority(TimePoint now, int priority);
    Actions set_fault(TimePoint now, bool fault, const std::string& reason);
    // A reload changed priority, preempt, preempt_delay or the GARP schedule. State, timers and the known
    // master stay; the new values count from the next event, with the usual election rules (a backup
    // that now outranks the master preempts as its adverts arrive, a master that no longer outranks a
    // preempting backup yields to its first advert). The caller recomputes the effective priority.
    // name, primary_ip and adver_int define the router: changing them means a new machine.
    void update_settings(TimePoint now, const MachineParams& p);
    // False while a tracked script has not reported its first result: the instance then does not become
    // master, neither when the Master_Down_Timer expires nor by preemption; it keeps listening. When it
    // turns true after such a postponed expiry, the timer restarts with a full Master_Down_Interval so a
    // current master is heard against the priority the scripts have set by now.
    Actions set_ready(TimePoint now, bool ready);
    bool ready() const { return ready_; }

    // Planned hand-over, make before break: a master sends a priority-0 advert (again every advert
    // interval) but keeps its VIPs and stops its normal adverts until a peer's advert says that peer is
    // master; then it is BACKUP (RemoveVips). If no peer is master within the longest Master_Down_Interval a
    // peer can have (3 * Advertisement_Interval + 1 s) it resumes advertising and never dropped the VIP.
    // Afterwards it does not preempt (as with nopreempt) until it is master again by the normal rules, or
    // only for `hold` when given. `maintenance`: once handed over, the instance is in maintenance.
    // Returns false (and nothing happens) unless the instance is master and not already handing over.
    bool begin_handover(TimePoint now, std::optional<Duration> hold, bool maintenance, Actions& out);
    bool handing_over() const { return handover_deadline_.has_value(); }
    const HandoverResult& handover() const { return handover_result_; }
    // Maintenance: no VIP and never master, whatever the priority. On a master it hands over at once (as a
    // shutdown does: priority-0 advert, VIPs removed); the planned, make-before-break way is
    // begin_handover(..., maintenance=true). Off: the normal election resumes (a node that outranks the
    // master and may preempt takes the VIP back after its Master_Down_Interval and the sync catch-up).
    Actions set_maintenance(TimePoint now, bool on, const std::string& reason);
    bool maintenance() const { return maintenance_; }
    // vrrp_sync_group: another member became MASTER, so this backup does too at once (unless it may not be
    // master at all: maintenance, scripts not reported). Its hold after a switchover does not apply: the group
    // moved here, and a split group black-holes traffic.
    Actions sync_master(TimePoint now, const std::string& reason);
    // Another member left MASTER for BACKUP: a master follows, with a priority-0 advert so its peer takes over
    // after Skew_Time. A master handing over already is left to finish (its peer's group brings the peer's
    // member up, whose advert completes the hand-over).
    Actions sync_backup(TimePoint now, const std::string& reason);
    // True while a switchover's preempt hold keeps this backup from taking the VIP back.
    bool preempt_held(TimePoint now) const;

    std::optional<TimePoint> next_deadline() const;

    State state() const { return state_; }
    int priority() const { return params_.priority; }
    int effective_priority() const { return effective_; }
    // RFC 3768 6.1 names.
    Duration skew_time() const;
    Duration master_down_interval() const;
    Duration advertisement_interval() const { return std::chrono::seconds(params_.adver_int_s); }
    std::optional<uint32_t> master_address() const { return master_address_; }
    int master_priority() const { return master_priority_; }
    TimePoint state_since() const { return since_; }
    const std::string& last_reason() const { return last_reason_; }
    std::optional<TimePoint> adver_timer() const { return adver_timer_; }
    // How many times each transition happened ("BACKUP" -> "MASTER": 3), for metrics.
    const std::map<std::pair<State, State>, uint64_t>& transitions() const { return transitions_; }
    std::optional<TimePoint> master_down_timer() const { return master_down_timer_; }

private:
    // The one place a state changes; logs "OLD -> NEW (reason)" and emits the notify action.
    void transition(State to, TimePoint now, const std::string& reason, Actions& out);
    void become_master(TimePoint now, const std::string& reason, Actions& out);
    void become_backup(TimePoint now, const std::string& reason, Actions& out);
    void send_advert(TimePoint now, Actions& out);
    void clear_timers();
    void finish_handover(TimePoint now, bool ok, uint32_t peer, int peer_priority, Actions& out);
    void abort_handover(TimePoint now, const std::string& why, Actions& out);
    bool may_become_master() const { return ready_ && !maintenance_; }

    MachineParams params_;
    State state_ = State::Init;
    int effective_;
    bool faulted_ = false;
    TimePoint since_{};
    std::string last_reason_;
    std::optional<uint32_t> master_address_;
    int master_priority_ = 0;
    std::optional<TimePoint> adver_timer_;
    std::optional<TimePoint> master_down_timer_;
    std::optional<TimePoint> garp_delay_timer_;
    std::optional<TimePoint> garp_refresh_timer_;
    // When we first heard the current lower-priority master; preemption waits preempt_delay from then.
    std::optional<TimePoint> lower_master_since_;
    bool master_left_ = false;  // the down timer was shortened by a priority-0 advert (for the log reason)
    bool ready_ = true;
    bool down_while_held_ = false;  // the Master_Down_Timer expired while not ready or in maintenance
    bool maintenance_ = false;
    std::map<std::pair<State, State>, uint64_t> transitions_;
    // A planned hand-over in progress: when it gives up, when it began, what follows it.
    std::optional<TimePoint> handover_deadline_;
    TimePoint handover_started_{};
    std::optional<Duration> handover_hold_;
    bool handover_maintenance_ = false;
    HandoverResult handover_result_;
    // After a hand-over: no preemption until then (nullopt with hold_forever_: until master again).
    std::optional<TimePoint> preempt_hold_until_;
    bool hold_forever_ = false;
    // The sync catch-up: no preemption of a live master before this.
    std::optional<TimePoint> preempt_not_before_;
};

}  // namespace vrrp
