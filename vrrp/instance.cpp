#include "vrrp/instance.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "host/process.hpp"
#include "host/ipv4.hpp"
#include "vrrp/link.hpp"

namespace vrrp {

namespace {
constexpr auto kLinkPoll = std::chrono::milliseconds(500);
constexpr auto kDropLogEvery = std::chrono::seconds(10);
}  // namespace

Instance::Instance(boost::asio::io_context& io, InstanceConfig cfg, std::unique_ptr<InstanceIo> os)
    : io_(io), cfg_(std::move(cfg)), os_(os ? std::move(os) : make_system_io(io)) {
    os_->set_garp_interval(cfg_.garp_interval);
    os_->on_garp_error = [this](const std::string& err) { error("gratuitous ARP: " + err); };
    derive_receive_rules();
    for (const auto& t : cfg_.track_interfaces) link_up_.push_back({t.name, false});
    if (!cfg_.dont_track_primary) link_up_.push_back({cfg_.interface, false});
    subscribe_trackers();
}

Instance::~Instance() { unsubscribe_trackers(); }

void Instance::derive_receive_rules() {
    uint32_t own = expect_.own_address;
    auth_data_ = make_auth_data(cfg_.auth_type == AuthType::Pass ? cfg_.auth_pass : "");
    expect_ = {};
    expect_.own_address = own;
    expect_.vrid = static_cast<uint8_t>(cfg_.vrid);
    expect_.auth_type = cfg_.auth_type;
    expect_.auth_data = auth_data_;
    expect_.adver_int = static_cast<uint8_t>(cfg_.machine.adver_int_s);
    for (const auto& v : cfg_.vips)
        if (v.advertised) expect_.addresses.push_back(v.address);
    expect_.unicast = cfg_.unicast;
    expect_.peers = cfg_.peers;
    expect_.peer_ttls = cfg_.peer_ttls;
}

void Instance::subscribe_trackers() {
    auto changed = [this] {
        if (!stopping_) retrack();
    };
    for (const auto& ref : cfg_.track_scripts)
        unsubscribe_.push_back([script = ref.script, id = ref.script->subscribe(changed)] { script->unsubscribe(id); });
    for (const auto& ref : cfg_.track_files)
        unsubscribe_.push_back([file = ref.file, id = ref.file->subscribe(changed)] { file->unsubscribe(id); });
}

void Instance::unsubscribe_trackers() {
    for (auto& u : unsubscribe_) u();
    unsubscribe_.clear();
}

MachineParams Instance::machine_params() const {
    MachineParams p = cfg_.machine;
    p.primary_ip = primary_ip_;
    return p;
}

void Instance::update(InstanceConfig next) {
    std::vector<VipSpec> added, removed;
    for (const auto& v : cfg_.vips)
        if (std::find(next.vips.begin(), next.vips.end(), v) == next.vips.end()) removed.push_back(v);
    for (const auto& v : next.vips)
        if (std::find(cfg_.vips.begin(), cfg_.vips.end(), v) == cfg_.vips.end()) added.push_back(v);

    // Scripts first: the component destroys redefined ones right after this returns.
    unsubscribe_trackers();
    std::vector<std::pair<std::string, bool>> links;
    auto known = [&](const std::string& name) {
        for (const auto& [n, up] : link_up_)
            if (n == name) return up;
        auto l = os_->link(name);
        return l && l->up;
    };
    for (const auto& t : next.track_interfaces) links.push_back({t.name, known(t.name)});
    if (!next.dont_track_primary) links.push_back({next.interface, known(next.interface)});
    link_up_ = std::move(links);
    cfg_ = std::move(next);
    os_->set_garp_interval(cfg_.garp_interval);
    derive_receive_rules();
    subscribe_trackers();
    if (stopping_ || !sm_) return;

    for (const auto& v : removed) {
        if (v.address == primary_ip_ || !held_.count(v.address)) continue;
        if (auto err = os_->remove_vip(v)) {
            error("removing " + describe_vip(v) + ": " + *err);
        } else {
            held_.erase(v.address);
            spdlog::info("VRRP_Instance({}) removed VIP {} (reload)", cfg_.machine.name, describe_vip(v));
        }
    }
    if (sm_->state() == State::Master) {
        for (const auto& v : added) {
            if (auto err = os_->add_vip(v)) {
                error("adding " + describe_vip(v) + ": " + *err);
                continue;
            }
            held_.insert(v.address);
            spdlog::info("VRRP_Instance({}) added VIP {} (reload)", cfg_.machine.name, describe_vip(v));
            if (auto err = os_->send_garp(v.dev, v.address, cfg_.machine.garp_master_repeat))
                error("gratuitous ARP for " + host::format_ipv4(v.address) + ": " + *err);
            else
                spdlog::info("VRRP_Instance({}) sent {} gratuitous ARP(s) for {} on {}", cfg_.machine.name,
                             cfg_.machine.garp_master_repeat, host::format_ipv4(v.address), v.dev);
        }
    }
    routes_.update(cfg_.virtual_routes, cfg_.virtual_rules, sm_->state() == State::Master,
                   [this](const std::string& e) { error(e); });
    sm_->update_settings(os_->now(), machine_params());
    retrack();
    arm_timer();
}

std::string Instance::describe_vip(const VipSpec& v) {
    return host::format_ipv4(v.address) + "/" + std::to_string(v.prefix) + " dev " + v.dev +
           (v.label.empty() ? "" : " label " + v.label);
}

std::vector<VipSpec> Instance::vips_held() const {
    std::vector<VipSpec> out;
    for (const auto& v : cfg_.vips)
        if (held_.count(v.address) || v.address == primary_ip_) out.push_back(v);
    return out;
}

void Instance::error(const std::string& msg) {
    last_error_ = msg;
    spdlog::error("VRRP_Instance({}) {}", cfg_.machine.name, msg);
}

void Instance::append_group_verdict(std::vector<TrackedItem>& items) const {
    if (group_fault_) items.push_back({"vrrp_sync_group " + group_->name(), 0, false, *group_fault_});
}

std::vector<TrackedItem> Instance::tracked() const {
    auto items = tracked_own();
    append_group_verdict(items);
    return items;
}

TrackResult Instance::evaluate() {
    auto items = tracked_own();
    own_fault_ = compute_priority(cfg_.machine.priority, items).fault;
    append_group_verdict(items);
    return compute_priority(cfg_.machine.priority, items);
}

std::vector<TrackedItem> Instance::tracked_own() const {
    std::vector<TrackedItem> items;
    for (const auto& ref : cfg_.track_scripts)
        items.push_back({"vrrp_script " + ref.script->config().name, ref.weight, ref.script->up() != ref.reverse});
    for (const auto& ref : cfg_.track_files)
        items.push_back(track_file_item(ref.file->config().name, ref.file->value(), ref.weight, ref.reverse));
    for (const auto& t : cfg_.track_interfaces) {
        auto it = std::find_if(link_up_.begin(), link_up_.end(), [&](auto& p) { return p.first == t.name; });
        items.push_back({"interface " + t.name, t.weight, it != link_up_.end() && it->second});
    }
    if (!cfg_.dont_track_primary) items.push_back({"interface " + cfg_.interface, 0, link_up_.back().second});
    if (primary_ip_ == 0) items.push_back({"IPv4 address on " + cfg_.interface, 0, false});
    if (cfg_.external_fault)
        if (auto why = cfg_.external_fault()) items.push_back({"external condition", 0, false, *why});
    return items;
}

bool Instance::try_open_socket() {
    if (socket_ && socket_->is_open()) return true;
    auto link = os_->link(cfg_.interface);
    if (!link || primary_ip_ == 0) return false;
    SocketSpec spec{cfg_.interface, link->ifindex, primary_ip_, cfg_.unicast, cfg_.peers};
    socket_ = os_->socket(spec);
    if (auto err = socket_->open([this](std::span<const uint8_t> p) { on_packet(p); })) {
        error("cannot open VRRP socket on " + cfg_.interface + ": " + *err);
        socket_.reset();
        return false;
    }
    return true;
}

void Instance::start() {
    std::vector<uint32_t> vip_addrs;
    for (const auto& v : cfg_.vips) vip_addrs.push_back(v.address);
    if (cfg_.source_ip) primary_ip_ = *cfg_.source_ip;
    else if (auto ip = os_->primary_ipv4(cfg_.interface, vip_addrs)) primary_ip_ = *ip;
    expect_.own_address = primary_ip_;

    // A kill -9 of an earlier run leaves its VIPs configured; nobody else owns them, so drop them before
    // the election (an address owner's VIP is its real address and stays).
    for (const auto& v : cfg_.vips) {
        if (v.address == primary_ip_) continue;
        if (auto err = os_->remove_vip(v))
            spdlog::warn("VRRP_Instance({}) removing stale {}: {}", cfg_.machine.name, host::format_ipv4(v.address), *err);
    }
    routes_.drop_stale(cfg_.virtual_routes, cfg_.virtual_rules);

    // A machine rebuilt once the interface got its address keeps the maintenance the old one had.
    bool maintenance = sm_ ? sm_->maintenance() : maintenance_at_start_;
    sm_ = std::make_unique<StateMachine>(machine_params());
    if (maintenance) sm_->set_maintenance(os_->now(), true, "set before start");

    for (auto& [name, up] : link_up_) {
        auto l = os_->link(name);
        up = l && l->up;
    }
    if (primary_ip_ == 0) error("no IPv4 address on " + cfg_.interface + " (set unicast_src_ip or add one)");
    try_open_socket();
    TrackResult r = evaluate();
    run(sm_->set_effective_priority(os_->now(), r.effective_priority));
    run(sm_->set_ready(os_->now(), scripts_reported()));
    spdlog::info("VRRP_Instance({}) starting on {} from {}: vrid {}, priority {} (effective {}), {}", cfg_.machine.name,
                 cfg_.interface, host::format_ipv4(primary_ip_), cfg_.vrid, cfg_.machine.priority, r.effective_priority,
                 cfg_.unicast ? "unicast" : "multicast 224.0.0.18");
    run(sm_->start(os_->now(), r.fault, r.fault_reason));
    if (r.fault) spdlog::warn("VRRP_Instance({}) in FAULT: {}", cfg_.machine.name, r.fault_reason);
    poll_links();
}

void Instance::poll_links() {
    bool changed = false;
    for (auto& [name, up] : link_up_) {
        auto l = os_->link(name);
        bool now_up = l && l->up;
        if (now_up != up) {
            spdlog::info("VRRP_Instance({}) interface {} is {}", cfg_.machine.name, name, now_up ? "up" : "down");
            up = now_up;
            changed = true;
        }
    }
    if (primary_ip_ == 0 && !cfg_.source_ip) {
        std::vector<uint32_t> vip_addrs;
        for (const auto& v : cfg_.vips) vip_addrs.push_back(v.address);
        if (auto ip = os_->primary_ipv4(cfg_.interface, vip_addrs)) {
            // The machine was built without a source address and is in FAULT: rebuild it with one.
            primary_ip_ = *ip;
            expect_.own_address = *ip;
            socket_.reset();
            stopping_ = true;  // keeps retrack quiet while the machine is replaced
            Instance::start();
            stopping_ = false;
            return;
        }
    }
    if (!socket_ || !socket_->is_open()) changed |= try_open_socket();
    if (changed) retrack();
    os_->arm(InstanceIo::Timer::LinkPoll, os_->now() + kLinkPoll, [this] {
        if (!stopping_) poll_links();
    });
}

void Instance::retrack() {
    if (!sm_ || sm_->state() == State::Init || sm_->state() == State::Stopped) return;
    bool was_own_fault = own_fault_;
    TrackResult r = evaluate();
    auto now = os_->now();
    run(sm_->set_effective_priority(now, r.effective_priority));
    run(sm_->set_fault(now, r.fault, r.fault ? r.fault_reason : "every tracked interface and script is up"));
    run(sm_->set_ready(now, scripts_reported()));
    // The other members must hear of a fault of ours even when our own state did not change (already FAULT
    // because of them).
    if (group_ && own_fault_ != was_own_fault) group_->refresh();
}

void Instance::sync_fault(std::optional<std::string> reason) {
    if (reason == group_fault_) return;
    group_fault_ = std::move(reason);
    if (!stopping_) retrack();
}

void Instance::sync_master(const std::string& reason) {
    if (sm_ && !stopping_) run(sm_->sync_master(os_->now(), reason));
}

void Instance::sync_backup(const std::string& reason) {
    if (sm_ && !stopping_) run(sm_->sync_backup(os_->now(), reason));
}

bool Instance::scripts_reported() const {
    return std::all_of(cfg_.track_scripts.begin(), cfg_.track_scripts.end(),
                       [](const TrackScriptRef& ref) { return ref.script->reported(); });
}

void Instance::on_packet(std::span<const uint8_t> pkt) {
    if (!sm_ || stopping_) return;
    Verdict v = check_received(pkt, expect_);
    counters_.record(v);
    auto now = os_->now();
    auto rate_limited = [&](size_t slot, auto&& log) {
        if (now - last_drop_log_[slot] >= kDropLogEvery || last_drop_log_[slot] == TimePoint{}) {
            last_drop_log_[slot] = now;
            log();
        }
    };
    if (!v.accepted) {
        // Our own echoes and other routers' VRIDs are normal on a shared segment: count silently.
        if (v.reason == DropReason::OwnPacket || v.reason == DropReason::UnknownVrid) return;
        size_t slot = static_cast<size_t>(v.reason);
        rate_limited(slot, [&] {
            spdlog::warn("VRRP_Instance({}) dropped advert from {}: {} ({} so far)", cfg_.machine.name, host::format_ipv4(v.source),
                         to_string(v.reason), counters_.dropped[slot]);
        });
        return;
    }
    if (v.address_mismatch)
        rate_limited(kDropReasons, [&] {
            spdlog::warn("VRRP_Instance({}) advert from {} lists other virtual addresses than ours; accepted "
                         "({} so far)",
                         cfg_.machine.name, host::format_ipv4(v.source), counters_.address_mismatch);
        });
    if (v.advert.priority == 0) ++pri_zero_received_;
    run(sm_->advert_received(now, v.source, v.advert.priority));
}

void Instance::run(const Actions& actions) {
    std::optional<State> entered;
    for (const Action& a : actions) {
        switch (a.kind) {
            case Action::Kind::SendAdvert: {
                if (!socket_) break;
                Advert ad;
                ad.vrid = static_cast<uint8_t>(cfg_.vrid);
                ad.priority = static_cast<uint8_t>(a.priority);
                ad.auth_type = cfg_.auth_type;
                ad.auth_data = auth_data_;
                ad.adver_int = static_cast<uint8_t>(cfg_.machine.adver_int_s);
                ad.addresses = expect_.addresses;
                if (auto err = socket_->send(encode(ad))) {
                    error("sending advert: " + *err);
                    break;
                }
                ++adverts_sent_;
                if (a.priority == 0) ++pri_zero_sent_;
                break;
            }
            case Action::Kind::AddVips:
                for (const auto& v : cfg_.vips) {
                    if (auto err = os_->add_vip(v)) {
                        error("adding " + describe_vip(v) + ": " + *err);
                    } else if (held_.insert(v.address).second) {
                        // Operators grep for these lines to see when and where the VIP moved.
                        spdlog::info("VRRP_Instance({}) added VIP {}", cfg_.machine.name, describe_vip(v));
                    }
                }
                routes_.hold(cfg_.virtual_routes, cfg_.virtual_rules, [this](const std::string& e) { error(e); });
                break;
            case Action::Kind::RemoveVips:
                os_->cancel_garp();
                routes_.release(cfg_.virtual_routes, cfg_.virtual_rules, [this](const std::string& e) { error(e); });
                for (const auto& v : cfg_.vips) {
                    if (v.address == primary_ip_) continue;
                    if (auto err = os_->remove_vip(v)) {
                        error("removing " + describe_vip(v) + ": " + *err);
                    } else if (held_.erase(v.address) > 0) {
                        spdlog::info("VRRP_Instance({}) removed VIP {}", cfg_.machine.name, describe_vip(v));
                    }
                }
                break;
            case Action::Kind::SendGarp:
                for (const auto& v : cfg_.vips) {
                    if (auto err = os_->send_garp(v.dev, v.address, a.count))
                        error("gratuitous ARP for " + host::format_ipv4(v.address) + ": " + *err);
                    else
                        spdlog::info("VRRP_Instance({}) sent {} gratuitous ARP(s) for {} on {}", cfg_.machine.name, a.count,
                                     host::format_ipv4(v.address), v.dev);
                }
                break;
            case Action::Kind::Notify:
                notify(a.state, a.priority);
                if (on_state_change) on_state_change(a.state);
                entered = a.state;
                break;
            case Action::Kind::HandoverDone:
                if (handover_done_) {
                    auto done = std::move(handover_done_);
                    handover_done_ = nullptr;
                    done(sm_->handover());
                }
                break;
        }
    }
    arm_timer();
    // After every action of the transition has run (VIPs added or removed): the group may now move the
    // other members, and through them call back into this instance.
    if (entered && group_) group_->member_changed(*this, *entered);
}

void Instance::arm_timer() {
    auto next = sm_ ? sm_->next_deadline() : std::nullopt;
    if (!next) {
        os_->cancel(InstanceIo::Timer::Machine);
        return;
    }
    os_->arm(InstanceIo::Timer::Machine, *next, [this, at = *next] {
        if (!sm_) return;
        auto now = os_->now();
        if (on_timer_fired) on_timer_fired(std::chrono::duration_cast<Duration>(now - at));
        run(sm_->timers_expired(now));
    });
}

std::optional<std::string> Instance::handover(std::optional<Duration> hold, bool maintenance, HandoverDone done) {
    if (!sm_ || stopping_) return "the instance is not running";
    if (sm_->state() != State::Master) return std::string("not master (") + to_string(sm_->state()) + ")";
    if (sm_->handing_over()) return "a hand-over is already in progress";
    if (cfg_.machine.priority == 255)
        return "this node owns the virtual address (priority 255); it cannot hand it to a peer";
    Actions a;
    if (!sm_->begin_handover(os_->now(), hold, maintenance, a)) return "the state machine refused the hand-over";
    handover_done_ = std::move(done);
    run(a);
    return std::nullopt;
}

void Instance::set_maintenance(bool on, const std::string& reason) {
    if (!sm_) {
        maintenance_at_start_ = on;
        return;
    }
    run(sm_->set_maintenance(os_->now(), on, reason));
}

void Instance::notify(State s, int priority) {
    const char* word = s == State::Master ? "MASTER" : s == State::Backup ? "BACKUP" : s == State::Fault ? "FAULT" : "STOP";
    const auto& specific = s == State::Master   ? cfg_.notify_master
                           : s == State::Backup ? cfg_.notify_backup
                           : s == State::Fault  ? cfg_.notify_fault
                                                : cfg_.notify_stop;
    if (!specific.empty()) run_script(specific, "notify script");
    if (!cfg_.notify.empty()) {
        auto argv = cfg_.notify;
        argv.insert(argv.end(), {"INSTANCE", cfg_.machine.name, word, std::to_string(priority)});
        run_script(argv, "notify");
    }
}

void Instance::run_script(const std::vector<std::string>& argv, const char* what) {
    host::ProcessSpec spec;
    spec.argv = argv;
    spec.timeout = cfg_.notify_timeout;
    spec.user = cfg_.script_user;
    spec.group = cfg_.script_group;
    spec.secure = cfg_.script_security;  // the runner refuses an insecure script, checked at this run
    ++notify_pending_;
    std::string name = cfg_.machine.name, prog = argv[0];
    host::run_process(io_, spec, [this, name, prog, what](const host::ProcessResult& r) {
        if (!r.success()) spdlog::warn("VRRP_Instance({}) {} {}: {}", name, what, prog, r.describe());
        if (--notify_pending_ == 0 && stop_done_) {
            auto done = std::move(stop_done_);
            stop_done_ = nullptr;
            done();
        }
    });
}

void Instance::stop(std::function<void()> done) {
    stopping_ = true;
    unsubscribe_trackers();  // the scripts may go before this instance's last notify script ends
    os_->cancel(InstanceIo::Timer::LinkPoll);
    if (sm_) {
        // Actions run synchronously: the priority-0 advert is on the wire before the socket closes.
        Actions a = sm_->shutdown(os_->now());
        run(a);
    }
    os_->cancel(InstanceIo::Timer::Machine);
    if (socket_) socket_->close();
    if (notify_pending_ == 0) {
        done();
        return;
    }
    stop_done_ = std::move(done);
}

}  // namespace vrrp
