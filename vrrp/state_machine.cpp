#include "vrrp/state_machine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "host/ipv4.hpp"

namespace vrrp {

const char* to_string(State s) {
    switch (s) {
        case State::Init: return "INIT";
        case State::Backup: return "BACKUP";
        case State::Master: return "MASTER";
        case State::Fault: return "FAULT";
        case State::Stopped: return "STOPPED";
    }
    return "?";
}

StateMachine::StateMachine(MachineParams p) : params_(std::move(p)), effective_(params_.priority) {}

Duration StateMachine::skew_time() const {
    // (256 - Priority) / 256 seconds, exact in microseconds.
    return Duration((256 - effective_) * 1000000LL / 256);
}

Duration StateMachine::master_down_interval() const { return 3 * advertisement_interval() + skew_time(); }

void StateMachine::clear_timers() {
    adver_timer_.reset();
    master_down_timer_.reset();
    garp_delay_timer_.reset();
    garp_refresh_timer_.reset();
    lower_master_since_.reset();
    master_left_ = false;
    down_while_held_ = false;
}

void StateMachine::transition(State to, TimePoint now, const std::string& reason, Actions& out) {
    spdlog::info("VRRP_Instance({}) {} -> {} ({})", params_.name, to_string(state_), to_string(to), reason);
    ++transitions_[{state_, to}];
    state_ = to;
    since_ = now;
    last_reason_ = reason;
    out.push_back({Action::Kind::Notify, effective_, 0, to});
}

void StateMachine::send_advert(TimePoint now, Actions& out) {
    out.push_back({Action::Kind::SendAdvert, effective_, 0, State::Init});
    adver_timer_ = now + advertisement_interval();
}

void StateMachine::become_master(TimePoint now, const std::string& reason, Actions& out) {
    clear_timers();
    // Master again by the normal rules: a switchover's hold and the sync catch-up are over.
    preempt_hold_until_.reset();
    hold_forever_ = false;
    preempt_not_before_.reset();
    master_address_ = params_.primary_ip;
    master_priority_ = effective_;
    // VIPs, then gratuitous ARP, then the advert. When this node preempts a live master, that advert makes
    // the old master drop the VIP; sent first, it opened a window (as long as adding the addresses takes)
    // in which hosts still sent to the old master's MAC and it no longer held the VIP, so new connections
    // were lost. In this order hosts already send here when the old master lets go. The notify scripts
    // (transition) run last: they may rely on the VIP being present, and a fork should not delay the move.
    out.push_back({Action::Kind::AddVips, 0, 0, State::Init});
    out.push_back({Action::Kind::SendGarp, 0, params_.garp_master_repeat, State::Init});
    send_advert(now, out);
    if (params_.garp_master_delay.count() > 0) garp_delay_timer_ = now + params_.garp_master_delay;
    if (params_.garp_master_refresh.count() > 0) garp_refresh_timer_ = now + params_.garp_master_refresh;
    transition(State::Master, now, reason, out);
}

void StateMachine::become_backup(TimePoint now, const std::string& reason, Actions& out) {
    if (state_ == State::Master) out.push_back({Action::Kind::RemoveVips, 0, 0, State::Init});
    clear_timers();
    transition(State::Backup, now, reason, out);
    master_down_timer_ = now + master_down_interval();
}

Actions StateMachine::start(TimePoint now, bool faulted, const std::string& fault_reason) {
    Actions out;
    faulted_ = faulted;
    if (faulted)
        transition(State::Fault, now,
                   fault_reason.empty() ? "a tracked interface or script is down at startup"
                                        : fault_reason + " at startup",
                   out);
    else if (maintenance_)
        become_backup(now, "startup in maintenance: never master until `director maintenance off`", out);
    else if (params_.priority == 255)
        become_master(now, "address owner (priority 255) starts as master", out);
    else
        become_backup(now, "startup: waiting Master_Down_Interval for a better master", out);
    if (state_ == State::Backup && params_.sync_catchup.count() > 0) preempt_not_before_ = now + params_.sync_catchup;
    return out;
}

Actions StateMachine::advert_received(TimePoint now, uint32_t source, int priority) {
    Actions out;
    const bool better = priority > effective_ || (priority == effective_ && source > params_.primary_ip);
    if (state_ == State::Backup) {
        if (priority == 0) {
            // The master is leaving: take over after Skew_Time rather than the whole down interval.
            master_down_timer_ = now + skew_time();
            master_left_ = true;
            return out;
        }
        if (!params_.preempt || preempt_held(now) || priority >= effective_) {
            master_address_ = source;
            master_priority_ = priority;
            master_down_timer_ = now + master_down_interval();
            lower_master_since_.reset();
            master_left_ = false;
            down_while_held_ = false;
            return out;
        }
        // A lower-priority master and we may preempt. With preempt_delay (counted from the first such
        // advert) or a sync catch-up still running, keep accepting it until then, then let the down timer
        // fire.
        std::optional<TimePoint> preempt_at;
        if (params_.preempt_delay.count() > 0) {
            if (!lower_master_since_) lower_master_since_ = now;
            preempt_at = *lower_master_since_ + params_.preempt_delay;
        }
        if (preempt_not_before_ && *preempt_not_before_ > now)
            preempt_at = std::max(preempt_at.value_or(now), *preempt_not_before_);
        if (preempt_at && now < *preempt_at) {
            master_address_ = source;
            master_priority_ = priority;
            master_down_timer_ = std::min(now + master_down_interval(), *preempt_at);
        }
        return out;
    }
    if (state_ == State::Master && handover_deadline_) {
        // Handing over: the first advert of a peer that is master now (any priority) completes it.
        if (priority > 0) finish_handover(now, true, source, priority, out);
        return out;
    }
    if (state_ == State::Master) {
        if (priority == 0) {
            // A backup-to-be is handing over or a peer stopped: assert ourselves at once.
            send_advert(now, out);
        } else if (better && params_.priority == 255) {
            // The address owner is master for its own addresses (RFC 3768 6.1/6.4.3): it never yields.
            // Another router claiming 255 is a misconfiguration to report, not an election to lose.
            spdlog::warn("VRRP_Instance({}) {} also advertises priority {} for this VRID; this node owns the "
                         "address and stays MASTER",
                         params_.name, host::format_ipv4(source), priority);
            send_advert(now, out);
        } else if (better) {
            become_backup(now,
                          "higher priority advert from " + host::format_ipv4(source) + " (priority " +
                              std::to_string(priority) + ")",
                          out);
            master_address_ = source;
            master_priority_ = priority;
        } else {
            // A lower-priority master exists (it just started or lost our adverts): tell it now.
            send_advert(now, out);
        }
    }
    return out;
}

Actions StateMachine::timers_expired(TimePoint now) {
    Actions out;
    if (state_ == State::Backup && master_down_timer_ && *master_down_timer_ <= now) {
        if (!may_become_master()) {
            master_down_timer_.reset();
            if (!down_while_held_)
                spdlog::info("VRRP_Instance({}) Master_Down_Timer expired, staying BACKUP {}", params_.name,
                             maintenance_ ? "(maintenance)" : "until every tracked script has reported");
            down_while_held_ = true;
            return out;
        }
        become_master(now, master_left_ ? "Master_Down_Timer expired after the master's priority-0 advert"
                                        : "Master_Down_Timer expired",
                      out);
        return out;
    }
    if (state_ != State::Master) return out;
    if (handover_deadline_ && *handover_deadline_ <= now) {
        finish_handover(now, false, 0, 0, out);
    } else if (handover_deadline_ && adver_timer_ && *adver_timer_ <= now) {
        // Repeated, so one lost priority-0 advert does not turn a switchover into a refusal.
        out.push_back({Action::Kind::SendAdvert, 0, 0, State::Init});
        adver_timer_ = now + advertisement_interval();
    }
    if (adver_timer_ && *adver_timer_ <= now) send_advert(now, out);
    if (garp_delay_timer_ && *garp_delay_timer_ <= now) {
        out.push_back({Action::Kind::SendGarp, 0, params_.garp_master_repeat, State::Init});
        garp_delay_timer_.reset();
    }
    if (garp_refresh_timer_ && *garp_refresh_timer_ <= now) {
        out.push_back({Action::Kind::SendGarp, 0, 1, State::Init});
        garp_refresh_timer_ = now + params_.garp_master_refresh;
    }
    return out;
}

Actions StateMachine::shutdown(TimePoint now) {
    Actions out;
    if (state_ == State::Stopped) return out;
    abort_handover(now, "the director is stopping", out);
    if (state_ == State::Master) {
        out.push_back({Action::Kind::SendAdvert, 0, 0, State::Init});
        out.push_back({Action::Kind::RemoveVips, 0, 0, State::Init});
    }
    clear_timers();
    transition(State::Stopped, now, "shutdown", out);
    return out;
}

Actions StateMachine::set_effective_priority(TimePoint now, int priority) {
    Actions out;
    if (priority == effective_) return out;
    spdlog::info("VRRP_Instance({}) effective priority {} -> {}", params_.name, effective_, priority);
    effective_ = priority;
    // A master tells the peers at once so a now-better backup can preempt without waiting.
    if (state_ == State::Master) {
        master_priority_ = priority;
        send_advert(now, out);
    }
    return out;
}

Actions StateMachine::set_fault(TimePoint now, bool fault, const std::string& reason) {
    Actions out;
    if (fault == faulted_) {
        // Still FAULT, for another reason now (the first cause healed, a second holds it): say which.
        if (fault && state_ == State::Fault && reason != last_reason_) {
            spdlog::info("VRRP_Instance({}) stays FAULT ({})", params_.name, reason);
            last_reason_ = reason;
        }
        return out;
    }
    faulted_ = fault;
    if (state_ == State::Init || state_ == State::Stopped) return out;
    if (fault) {
        abort_handover(now, "FAULT: " + reason, out);
        if (state_ == State::Master) {
            // Hand over like a shutdown so the backup need not wait out the down interval.
            out.push_back({Action::Kind::SendAdvert, 0, 0, State::Init});
            out.push_back({Action::Kind::RemoveVips, 0, 0, State::Init});
        }
        clear_timers();
        master_address_.reset();
        transition(State::Fault, now, reason, out);
    } else if (state_ == State::Fault) {
        become_backup(now, reason, out);
    }
    return out;
}

void StateMachine::update_settings(TimePoint now, const MachineParams& p) {
    if (p.preempt_delay != params_.preempt_delay || p.preempt != params_.preempt) lower_master_since_.reset();
    bool refresh_changed = p.garp_master_refresh != params_.garp_master_refresh;
    params_.priority = p.priority;
    params_.preempt = p.preempt;
    params_.preempt_delay = p.preempt_delay;
    params_.garp_master_repeat = p.garp_master_repeat;
    params_.garp_master_delay = p.garp_master_delay;
    params_.garp_master_refresh = p.garp_master_refresh;
    params_.sync_catchup = p.sync_catchup;
    if (state_ == State::Master && refresh_changed) {
        if (params_.garp_master_refresh.count() > 0) garp_refresh_timer_ = now + params_.garp_master_refresh;
        else garp_refresh_timer_.reset();
    }
}

Actions StateMachine::set_ready(TimePoint now, bool ready) {
    Actions out;
    if (ready == ready_) return out;
    ready_ = ready;
    if (ready && state_ == State::Backup && down_while_held_) {
        down_while_held_ = false;
        master_down_timer_ = now + master_down_interval();
    }
    return out;
}

bool StateMachine::begin_handover(TimePoint now, std::optional<Duration> hold, bool maintenance, Actions& out) {
    if (state_ != State::Master || handover_deadline_) return false;
    // The longest Master_Down_Interval any peer can have: 3 adverts plus a Skew_Time below one second.
    handover_deadline_ = now + 3 * advertisement_interval() + std::chrono::seconds(1);
    handover_started_ = now;
    handover_hold_ = hold;
    handover_maintenance_ = maintenance;
    handover_result_ = {};
    spdlog::info("VRRP_Instance({}) {}: priority-0 advert sent; keeping the VIPs until a peer is master", params_.name,
                 maintenance ? "maintenance" : "switchover");
    out.push_back({Action::Kind::SendAdvert, 0, 0, State::Init});
    adver_timer_ = now + advertisement_interval();
    return true;
}

void StateMachine::finish_handover(TimePoint now, bool ok, uint32_t peer, int peer_priority, Actions& out) {
    handover_deadline_.reset();
    handover_result_ = {};
    handover_result_.ok = ok;
    handover_result_.took = std::chrono::duration_cast<Duration>(now - handover_started_);
    if (!ok) {
        handover_result_.reason = "no peer took over within " +
                                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     handover_result_.took)
                                                     .count()) +
                                  " ms; still MASTER, the VIPs never left";
        spdlog::warn("VRRP_Instance({}) hand-over failed: {}", params_.name, handover_result_.reason);
        send_advert(now, out);  // back to normal adverts at once
        out.push_back({Action::Kind::HandoverDone, 0, 0, State::Master});
        return;
    }
    handover_result_.new_master = peer;
    const std::string who = host::format_ipv4(peer) + " (priority " + std::to_string(peer_priority) + ")";
    handover_result_.reason = who + " is master";
    become_backup(now, (handover_maintenance_ ? "maintenance: handed over to " : "switchover: handed over to ") + who,
                  out);
    master_address_ = peer;
    master_priority_ = peer_priority;
    if (handover_hold_) preempt_hold_until_ = now + *handover_hold_;
    else hold_forever_ = true;
    if (handover_maintenance_) maintenance_ = true;
    out.push_back({Action::Kind::HandoverDone, 0, 0, State::Backup});
}

void StateMachine::abort_handover(TimePoint now, const std::string& why, Actions& out) {
    if (!handover_deadline_) return;
    handover_deadline_.reset();
    handover_result_ = {};
    handover_result_.took = std::chrono::duration_cast<Duration>(now - handover_started_);
    handover_result_.reason = "hand-over abandoned: " + why;
    out.push_back({Action::Kind::HandoverDone, 0, 0, state_});
}

Actions StateMachine::set_maintenance(TimePoint now, bool on, const std::string& reason) {
    Actions out;
    if (on == maintenance_) return out;
    maintenance_ = on;
    spdlog::info("VRRP_Instance({}) maintenance {} ({})", params_.name, on ? "on" : "off", reason);
    if (on) {
        abort_handover(now, "maintenance forced on", out);
        if (state_ == State::Master) {
            out.push_back({Action::Kind::SendAdvert, 0, 0, State::Init});
            become_backup(now, "maintenance: " + reason, out);
        }
        return out;
    }
    // Back to the normal election: the hold a planned hand-over left is over too.
    preempt_hold_until_.reset();
    hold_forever_ = false;
    if (state_ != State::Backup) return out;
    if (params_.sync_catchup.count() > 0) preempt_not_before_ = now + params_.sync_catchup;
    if (down_while_held_ || !master_down_timer_) {
        down_while_held_ = false;
        master_down_timer_ = now + master_down_interval();
    }
    return out;
}

Actions StateMachine::sync_master(TimePoint now, const std::string& reason) {
    Actions out;
    if (state_ != State::Backup || !may_become_master()) return out;
    become_master(now, reason, out);
    return out;
}

Actions StateMachine::sync_backup(TimePoint now, const std::string& reason) {
    Actions out;
    if (state_ != State::Master || handover_deadline_) return out;
    out.push_back({Action::Kind::SendAdvert, 0, 0, State::Init});
    become_backup(now, reason, out);
    return out;
}

bool StateMachine::preempt_held(TimePoint now) const {
    return hold_forever_ || (preempt_hold_until_ && now < *preempt_hold_until_);
}

std::optional<TimePoint> StateMachine::next_deadline() const {
    std::optional<TimePoint> best;
    for (const auto& t : {adver_timer_, master_down_timer_, garp_delay_timer_, garp_refresh_timer_, handover_deadline_})
        if (t && (!best || *t < *best)) best = t;
    return best;
}

}  // namespace vrrp
