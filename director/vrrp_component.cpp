#include "director/vrrp_component.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "director/reload/config_diff.hpp"
#include "director/script_policy.hpp"
#include "host/ipv4.hpp"

namespace director {


vrrp::ScriptConfig to_script_config(const config::VrrpScriptConf& s, const config::GlobalDefs& g) {
    vrrp::ScriptConfig c;
    c.name = s.name;
    c.argv = s.argv;
    c.interval = std::chrono::milliseconds(s.interval_ms);
    c.timeout = std::chrono::milliseconds(s.timeout_ms > 0 ? s.timeout_ms : s.interval_ms);
    c.weight = s.weight;
    c.weight_reverse = s.weight_reverse;
    c.rise = s.rise;
    c.fall = s.fall;
    c.init_fail = s.init_fail;
    auto policy = script_policy(g, s.user, s.group);
    c.script_security = policy.secure;
    c.user = policy.user;
    c.group = policy.group;
    return c;
}

vrrp::InstanceConfig to_instance_config(const config::VrrpInstanceConf& in, const config::GlobalDefs& g) {
    vrrp::InstanceConfig c;
    vrrp::MachineParams& m = c.machine;
    m.name = in.name;
    m.priority = in.priority;
    m.adver_int_s = in.advert_int_s;
    m.preempt = in.preempt;
    m.preempt_delay = std::chrono::milliseconds(in.preempt_delay_ms);
    c.interface = in.interface;
    c.vrid = in.vrid;
    c.auth_type = in.auth == config::VrrpInstanceConf::Auth::Pass ? vrrp::AuthType::Pass : vrrp::AuthType::None;
    c.auth_pass = in.auth_pass;
    for (const auto& v : in.vips)
        c.vips.push_back({v.address, v.prefix, v.dev.empty() ? in.interface : v.dev, v.label, !v.excluded});
    for (const auto& r : in.virtual_routes) c.virtual_routes.push_back(r.spec);
    for (const auto& r : in.virtual_rules) c.virtual_rules.push_back(r.spec);
    c.unicast = !in.unicast_peers.empty();
    c.peers = in.unicast_peers;
    for (const auto& t : in.unicast_peer_ttls) c.peer_ttls.push_back({t.address, t.min_ttl, t.max_ttl});
    c.source_ip = in.unicast_src_ip ? in.unicast_src_ip : in.mcast_src_ip;
    m.garp_master_repeat = in.garp_master_repeat >= 0 ? in.garp_master_repeat : g.vrrp_garp_master_repeat;
    m.garp_master_delay =
        std::chrono::seconds(in.garp_master_delay_s >= 0 ? in.garp_master_delay_s : g.vrrp_garp_master_delay_s);
    m.garp_master_refresh = std::chrono::seconds(in.garp_master_refresh_s >= 0 ? in.garp_master_refresh_s
                                                                               : g.vrrp_garp_master_refresh_s);
    c.garp_interval = std::chrono::microseconds(in.garp_interval_us >= 0 ? in.garp_interval_us : g.vrrp_garp_interval_us);
    c.notify_master = in.notify_master;
    c.notify_backup = in.notify_backup;
    c.notify_fault = in.notify_fault;
    c.notify_stop = in.notify_stop;
    c.notify = in.notify;
    c.dont_track_primary = in.dont_track_primary;
    for (const auto& t : in.track_interfaces) c.track_interfaces.push_back({t.name, t.weight});
    auto policy = script_policy(g);
    c.script_security = policy.secure;
    c.script_user = policy.user;
    c.script_group = policy.group;
    c.notify_timeout = policy.notify_timeout;
    if (g.lvs_sync_daemon && g.lvs_sync_daemon->vrrp_instance == in.name)
        m.sync_catchup = std::chrono::milliseconds(in.sync_catchup_ms);
    return c;
}

vrrp::TrackFileConfig to_track_file_config(const config::TrackFileConf& f) {
    return {f.name, f.path, f.weight, f.reverse, f.init_value, f.init_overwrite};
}

TrackerPlan plan_trackers(const config::VrrpInstanceConf& in, const config::Config& cfg) {
    TrackerPlan plan;
    const auto* group = sync_group_of(cfg, in.name);
    // keepalived's rule for members of a group without sync_group_tracking_weight: their own weighted
    // scripts and files are dropped and interfaces count unweighted (config check warns about each).
    const bool own_weights = !group || group->tracking_weight;
    auto add_script = [&](const config::VrrpTrackScriptConf& t, bool weights) {
        const config::VrrpScriptConf* s = nullptr;
        for (const auto& x : cfg.vrrp_scripts)
            if (x.name == t.name) s = &x;
        if (!s) return;  // validate() reports it
        int weight = t.weight ? *t.weight : s->weight;
        bool reverse = t.weight ? t.reverse : s->weight_reverse;
        if (weight == 0 || weights) plan.scripts.push_back({t.name, weight, reverse});
    };
    auto add_file = [&](const config::VrrpTrackFileConf& t, bool weights) {
        const config::TrackFileConf* f = nullptr;
        for (const auto& x : cfg.track_files)
            if (x.name == t.name) f = &x;
        if (!f) return;
        int weight = t.weight.value_or(f->weight);
        bool reverse = t.reverse.value_or(f->reverse);
        if (!weights) {
            if (weight != 1 && weight != 0) return;
            weight = 0;
        }
        plan.files.push_back({t.name, weight, reverse});
    };
    for (const auto& t : in.track_scripts) add_script(t, own_weights);
    for (const auto& t : in.track_files) add_file(t, own_weights);
    for (const auto& t : in.track_interfaces) plan.interfaces.push_back({t.name, own_weights ? t.weight : 0});
    if (group) {
        // The group's trackers act on every member, with the weights written on the group.
        for (const auto& t : group->track_scripts) add_script(t, true);
        for (const auto& t : group->track_files) add_file(t, true);
        for (const auto& t : group->track_interfaces) plan.interfaces.push_back({t.name, t.weight});
    }
    return plan;
}

const config::VrrpSyncGroupConf* sync_group_of(const config::Config& cfg, const std::string& instance) {
    for (const auto& g : cfg.sync_groups)
        for (const auto& m : g.members)
            if (m.name == instance) return &g;
    return nullptr;
}

namespace {
// Configured and held, as for the VIPs; only for instances that have any, so other status stays as it was.
void add_virtual_routes_status(nlohmann::json& j, const vrrp::InstanceConfig& c, const vrrp::VirtualRoutes& held) {
    auto list = [](const auto& specs) {
        auto out = nlohmann::json::array();
        for (const auto& s : specs) out.push_back(vrrp::describe(s));
        return out;
    };
    if (!c.virtual_routes.empty() || !held.routes_held().empty()) {
        j["virtual_routes"] = list(c.virtual_routes);
        j["virtual_routes_held"] = list(held.routes_held());
    }
    if (!c.virtual_rules.empty() || !held.rules_held().empty()) {
        j["virtual_rules"] = list(c.virtual_rules);
        j["virtual_rules_held"] = list(held.rules_held());
    }
}
}  // namespace

VrrpComponent::VrrpComponent(boost::asio::io_context& io, const config::Config& cfg, const RunOptions& opts)
    : io_(io), global_(cfg.global), ipvs_(opts.ipvs), states_(opts.instance_states), store_(opts.state),
      events_(opts.events) {
    for (const auto& s : cfg.vrrp_scripts)
        scripts_[s.name] = std::make_unique<vrrp::TrackScript>(io, to_script_config(s, cfg.global));
    std::vector<vrrp::TrackFile*> fresh;
    load_track_files(cfg, fresh);
    if (store_ && !store_->load_error().empty())
        spdlog::error("state {}; every vrrp_instance starts in maintenance (no VIP) until `director maintenance "
                      "off` writes a good file",
                      store_->load_error());
    for (const auto& in : cfg.vrrp_instances) {
        instances_.push_back(std::make_unique<vrrp::Instance>(io, instance_config(in, cfg)));
        attach(*instances_.back());
    }
    build_groups(cfg);
    if (ipvs_)
        ipvs_->subscribe([this] {
            for (auto& i : instances_) i->recheck();
        });
}

vrrp::InstanceConfig VrrpComponent::instance_config(const config::VrrpInstanceConf& in,
                                                    const config::Config& cfg) const {
    vrrp::InstanceConfig c = to_instance_config(in, cfg.global);
    auto plan = plan_trackers(in, cfg);
    for (const auto& t : plan.scripts) c.track_scripts.push_back({scripts_.at(t.name).get(), t.weight, t.reverse});
    for (const auto& t : plan.files) c.track_files.push_back({files_.at(t.name).get(), t.weight, t.reverse});
    c.track_interfaces = plan.interfaces;
    const std::set<uint32_t> service_vips = config::service_addresses(cfg);
    bool carries_service = std::any_of(c.vips.begin(), c.vips.end(),
                                       [&](const vrrp::VipSpec& v) { return service_vips.count(v.address) > 0; });
    if (ipvs_ && carries_service) {
        // Holding the VIP of a service the kernel cannot forward would black-hole every request to it.
        c.external_fault = [ipvs = ipvs_]() -> std::optional<std::string> {
            if (!ipvs->unavailable()) return std::nullopt;
            return "IPVS unavailable: " + ipvs->reason();
        };
    }
    return c;
}

std::map<std::string, std::unique_ptr<vrrp::TrackFile>> VrrpComponent::load_track_files(
    const config::Config& cfg, std::vector<vrrp::TrackFile*>& fresh) {
    std::map<std::string, std::unique_ptr<vrrp::TrackFile>> old = std::move(files_);
    files_.clear();
    for (const auto& f : cfg.track_files) {
        auto want = to_track_file_config(f);
        auto it = old.find(f.name);
        if (it != old.end() && it->second->config() == want) {
            files_[f.name] = std::move(it->second);
            continue;
        }
        files_[f.name] = std::make_unique<vrrp::TrackFile>(io_, want);
        fresh.push_back(files_[f.name].get());
    }
    // Replaced and removed ones: the caller drops them once no instance points at them.
    return old;
}

void VrrpComponent::build_groups(const config::Config& cfg) {
    for (auto& i : instances_) i->set_sync_group(nullptr);
    groups_.clear();
    group_confs_ = cfg.sync_groups;
    for (const auto& gc : group_confs_) {
        std::vector<vrrp::SyncMember*> members;
        for (const auto& m : gc.members)
            for (auto& i : instances_)
                if (i->config().machine.name == m.name) members.push_back(i.get());
        auto group = std::make_unique<vrrp::SyncGroup>(gc.name, members);
        group->on_state_change = [this, &gc](vrrp::State from, vrrp::State to) { group_changed(gc, from, to); };
        for (auto* m : members) static_cast<vrrp::Instance*>(m)->set_sync_group(group.get());
        group->refresh();  // a member's own FAULT reaches the others again at once
        groups_.push_back(std::move(group));
    }
}

void VrrpComponent::group_changed(const config::VrrpSyncGroupConf& g, vrrp::State from, vrrp::State to) {
    if (events_)
        events_->record({0, {}, "vrrp_sync_group", g.name, vrrp::to_string(from), vrrp::to_string(to),
                         "members: " + [&] {
                             std::string names;
                             for (const auto& m : g.members) names += (names.empty() ? "" : " ") + m.name;
                             return names;
                         }()});
    static const std::vector<std::string> none;
    const auto& specific = to == vrrp::State::Master   ? g.notify_master
                           : to == vrrp::State::Backup ? g.notify_backup
                           : to == vrrp::State::Fault  ? g.notify_fault
                                                       : none;
    auto policy = script_policy(global_);
    auto run = [&](std::vector<std::string> argv, const char* what) {
        std::string name = g.name, prog = argv.front();
        host::run_process(io_, script_spec(policy, std::move(argv), std::chrono::seconds(30)),
                                 [name, prog, what](const host::ProcessResult& r) {
                                     if (!r.success())
                                         spdlog::warn("VRRP_Group({}) {} {}: {}", name, what, prog, r.describe());
                                 });
    };
    if (!specific.empty()) run(specific, "notify script");
    if (!g.notify.empty()) {
        auto argv = g.notify;
        // keepalived's arguments for a group: the priority is always 0.
        argv.insert(argv.end(), {"GROUP", g.name, vrrp::to_string(to), "0"});
        run(argv, "notify");
    }
}

std::vector<vrrp::Instance*> VrrpComponent::with_group_members(std::vector<vrrp::Instance*> chosen) const {
    std::vector<vrrp::Instance*> out;
    auto add = [&](vrrp::Instance* i) {
        if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    };
    for (auto* i : chosen) {
        add(i);
        if (auto* g = i->sync_group())
            for (auto* m : g->members()) add(static_cast<vrrp::Instance*>(m));
    }
    return out;
}

void VrrpComponent::attach(vrrp::Instance& instance) {
    const std::string name = instance.config().machine.name;
    if (store_ && (store_->get().maintenance.count(name) || !store_->load_error().empty())) {
        if (store_->load_error().empty())
            spdlog::info("VRRP_Instance({}) is in maintenance (recorded in {}): it will not take the VIP", name,
                         store_->file().string());
        instance.set_maintenance(true, "persisted");
    }
    instance.on_timer_fired = [this, name](vrrp::Duration late) {
        if (!auto_priority_) return;
        auto raise = auto_priority_->timer_fired(std::chrono::duration_cast<std::chrono::microseconds>(late));
        if (!raise) return;
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(late).count();
        if (auto err = set_loop_priority(*raise); !err.empty())
            spdlog::error("max_auto_priority: VRRP_Instance({}) timer fired {} ms late; {}", name, ms, err);
        else
            spdlog::warn("max_auto_priority: VRRP_Instance({}) timer fired {} ms late; the event loop now runs {}",
                         name, ms, loop_priority());
    };
    auto previous = std::make_shared<std::string>("INIT");
    instance.on_state_change = [states = states_, events = events_, name, previous, &instance](vrrp::State s) {
        const std::string to = vrrp::to_string(s);
        if (states) states->set(name, to);
        if (events) events->record({0, {}, "vrrp", name, *previous, to, instance.machine().last_reason()});
        *previous = to;
    };
}

std::vector<vrrp::Instance*> VrrpComponent::select(const std::string& name, std::string& error) {
    std::vector<vrrp::Instance*> out;
    std::string known;
    for (auto& i : instances_) {
        if (name.empty() || i->config().machine.name == name) out.push_back(i.get());
        known += (known.empty() ? "" : ", ") + i->config().machine.name;
    }
    if (out.empty()) error = "no vrrp_instance " + name + " (known: " + (known.empty() ? "none" : known) + ")";
    return out;
}

void VrrpComponent::persist_maintenance(const std::string& instance, bool on) {
    if (store_) store_->set_maintenance(instance, on);
}

namespace {
// Collects one result per instance and answers once every instance has reported.
struct Gather {
    size_t remaining = 0;
    nlohmann::json results = nlohmann::json::array();
    bool ok = true;
    VrrpComponent::Reply reply;
    void add(nlohmann::json r) {
        ok = ok && r.value("ok", false);
        results.push_back(std::move(r));
        if (--remaining == 0) reply({{"ok", ok}, {"instances", results}});
    }
};
long long ms(vrrp::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }
}  // namespace

void VrrpComponent::switchover(const std::string& instance, std::optional<vrrp::Duration> hold, Reply reply) {
    std::string error;
    // A sync group moves as one: handing over one member alone would split it.
    auto chosen = with_group_members(select(instance, error));
    if (!error.empty()) return reply({{"ok", false}, {"error", error}});
    std::vector<vrrp::Instance*> masters;
    std::string states;
    for (auto* i : chosen) {
        if (i->machine().state() == vrrp::State::Master) masters.push_back(i);
        states += (states.empty() ? "" : ", ") + i->config().machine.name + " is " + vrrp::to_string(i->machine().state());
    }
    if (masters.empty()) {
        spdlog::info("control: switchover refused: not master ({})", states);
        return reply({{"ok", false}, {"error", "not master (" + states + ")"}});
    }
    auto g = std::make_shared<Gather>();
    g->remaining = masters.size();
    g->reply = std::move(reply);
    for (auto* i : masters) {
        std::string name = i->config().machine.name;
        auto refused = i->handover(hold, false, [g, name, events = events_](const vrrp::HandoverResult& r) {
            nlohmann::json j{{"instance", name}, {"ok", r.ok}, {"took_ms", ms(r.took)}, {"message", r.reason}};
            if (r.ok) j["new_master"] = host::format_ipv4(r.new_master);
            spdlog::info("control: switchover of VRRP_Instance({}): {} after {} ms", name,
                         r.ok ? "handed over, " + r.reason : "failed, " + r.reason, ms(r.took));
            if (events) events->record({0, {}, "switchover", name, "", r.ok ? "done" : "failed", r.reason});
            g->add(j);
        });
        if (refused) g->add({{"instance", name}, {"ok", false}, {"message", *refused}});
    }
}

void VrrpComponent::maintenance(const std::string& instance, bool on, bool force, Reply reply) {
    std::string error;
    auto chosen = with_group_members(select(instance, error));
    if (!error.empty()) return reply({{"ok", false}, {"error", error}});
    auto g = std::make_shared<Gather>();
    g->remaining = chosen.size();
    g->reply = std::move(reply);
    for (auto* i : chosen) {
        const std::string name = i->config().machine.name;
        auto result = [name, on, events = events_](bool ok, const std::string& msg) {
            spdlog::info("control: maintenance{} for VRRP_Instance({}): {}", ok ? "" : " refused", name, msg);
            if (events) events->record({0, {}, "maintenance", name, "", ok ? (on ? "on" : "off") : "refused", msg});
            return nlohmann::json{{"instance", name}, {"ok", ok}, {"message", msg}};
        };
        if (on && i->machine().handing_over()) {
            g->add(result(false, "a hand-over is already in progress; try again when it has finished"));
            continue;
        }
        // Written first: a crash in the middle of the hand-over comes back in maintenance, the safe side.
        try {
            persist_maintenance(name, on);
        } catch (const std::exception& e) {
            g->add(result(false, std::string("cannot record it in the state dir: ") + e.what()));
            continue;
        }
        if (!on) {
            bool was = i->maintenance();
            i->set_maintenance(false, "director maintenance off");
            g->add(result(true, was ? "maintenance off; back in the election" : "was not in maintenance"));
            continue;
        }
        if (i->maintenance()) {
            g->add(result(true, "already in maintenance"));
            continue;
        }
        if (i->machine().state() != vrrp::State::Master) {
            i->set_maintenance(true, "director maintenance on");
            g->add(result(true, std::string("in maintenance (was ") + vrrp::to_string(i->machine().state()) + ")"));
            continue;
        }
        // Looked up again when the hand-over ends: a reload may have replaced the instance meanwhile.
        auto refused = i->handover(std::nullopt, true, [this, g, name, force, result](const vrrp::HandoverResult& r) {
            if (r.ok) return g->add(result(true, "handed over to " + host::format_ipv4(r.new_master) + " in " +
                                                     std::to_string(ms(r.took)) + " ms; in maintenance"));
            std::string ignored;
            auto again = select(name, ignored);
            if (force && !again.empty()) {
                again.front()->set_maintenance(true, "forced: " + r.reason);
                return g->add(result(true, r.reason + "; --force: VIP dropped, in maintenance"));
            }
            try {
                persist_maintenance(name, false);
            } catch (const std::exception& e) {
                spdlog::error("VRRP_Instance({}) state dir: {}", name, e.what());
            }
            g->add(result(false, "no peer took over; --force drops the VIP anyway (" + r.reason + ")"));
        });
        if (refused) {
            try {
                persist_maintenance(name, false);
            } catch (const std::exception&) {
            }
            g->add(result(false, *refused));
        }
    }
}

void VrrpComponent::apply_scheduling() {
    int fixed = global_.vrrp_rt_priority;
    // Nothing asked and nothing raised before: leave the scheduler alone.
    if (fixed > 0 || loop_priority() != "SCHED_OTHER") {
        if (auto err = set_loop_priority(fixed); !err.empty())
            spdlog::error("vrrp_rt_priority {}: {}; adverts run at the priority they had", fixed, err);
        else
            spdlog::info("vrrp_rt_priority {}: the event loop runs {}", fixed, loop_priority());
    }
    auto_priority_.reset();
    if (global_.max_auto_priority > fixed)
        auto_priority_.emplace(global_.max_auto_priority, std::chrono::microseconds(global_.min_auto_priority_delay_us),
                               fixed);
}

void VrrpComponent::start() {
    apply_scheduling();
    // Files first: an instance starts with the priority its files give it, never a moment without.
    for (auto& [name, f] : files_)
        if (auto err = f->start(); !err.empty())
            spdlog::error("track_file {}: {}; its value is read once and not followed", name, err);
    for (auto& i : instances_) i->start();
    for (auto& [name, s] : scripts_) s->start();
}

void VrrpComponent::retire(std::unique_ptr<vrrp::Instance> instance) {
    auto* raw = instance.get();
    retiring_.push_back(std::move(instance));
    raw->stop([this, raw] {
        // Not from inside the instance's own callback: erase it once that has returned.
        boost::asio::post(io_, [this, raw] {
            std::erase_if(retiring_, [raw](const auto& p) { return p.get() == raw; });
        });
    });
}

void VrrpComponent::apply(const std::shared_ptr<const config::Config>& next_config, const reload::ConfigDiff& diff) {
    const config::Config& next = *next_config;
    using reload::Change;
    // Scripts: unchanged ones move over with their state; redefined and new ones are built (started
    // below, after every instance points at them); the old objects die only after no instance does.
    std::map<std::string, std::unique_ptr<vrrp::TrackScript>> old_scripts = std::move(scripts_);
    scripts_.clear();
    std::vector<vrrp::TrackScript*> fresh;
    for (const auto& s : next.vrrp_scripts) {
        const auto* d = diff.script(s.name);
        auto it = old_scripts.find(s.name);
        if (d && d->change == Change::Unchanged && it != old_scripts.end()) {
            scripts_[s.name] = std::move(it->second);
            old_scripts.erase(it);
        } else {
            scripts_[s.name] = std::make_unique<vrrp::TrackScript>(io_, to_script_config(s, next.global));
            fresh.push_back(scripts_[s.name].get());
        }
    }

    // Files: new and redefined ones are read now, so the instances updated below see their values.
    std::vector<vrrp::TrackFile*> fresh_files;
    auto old_files = load_track_files(next, fresh_files);
    bool scheduling_changed = global_.vrrp_rt_priority != next.global.vrrp_rt_priority ||
                              global_.max_auto_priority != next.global.max_auto_priority ||
                              global_.min_auto_priority_delay_us != next.global.min_auto_priority_delay_us;
    global_ = next.global;
    if (scheduling_changed && !stopping_) apply_scheduling();
    if (!stopping_)
        for (auto* f : fresh_files)
            if (auto err = f->start(); !err.empty())
                spdlog::error("track_file {}: {}; its value is read once and not followed", f->config().name, err);
    // Groups are rebuilt at the end around the instances that remain; none may point at the old ones.
    for (auto& i : instances_) i->set_sync_group(nullptr);
    groups_.clear();

    std::map<std::string, std::unique_ptr<vrrp::Instance>> running;
    for (auto& i : instances_) running[i->config().machine.name] = std::move(i);
    instances_.clear();
    std::vector<vrrp::Instance*> to_start;
    for (const auto& in : next.vrrp_instances) {
        const auto* d = diff.instance(in.name);
        auto it = running.find(in.name);
        bool keep = it != running.end() && d && (d->change == Change::Unchanged || d->change == Change::Updated);
        if (keep) {
            // Also when unchanged: a redefined track_file or vrrp_sync_group changes what it tracks.
            it->second->update(instance_config(in, next));
            instances_.push_back(std::move(it->second));
            running.erase(it);
            continue;
        }
        if (it != running.end()) {  // replaced: the old router leaves first, as on SIGTERM
            spdlog::info("VRRP_Instance({}) is replaced by the reloaded config", in.name);
            retire(std::move(it->second));
            running.erase(it);
        }
        instances_.push_back(std::make_unique<vrrp::Instance>(io_, instance_config(in, next)));
        attach(*instances_.back());
        to_start.push_back(instances_.back().get());
    }
    for (auto& [name, instance] : running) {
        spdlog::info("VRRP_Instance({}) is gone from the reloaded config; stopping it", name);
        retire(std::move(instance));
    }
    std::erase_if(retired_scripts_, [](const auto& s) { return !s->busy(); });
    for (auto& [name, script] : old_scripts) {
        script->stop();
        if (script->busy()) retired_scripts_.push_back(std::move(script));
    }
    old_scripts.clear();
    old_files.clear();  // every instance now points at the new ones
    build_groups(next);
    if (stopping_) return;
    for (auto* i : to_start) i->start();
    for (auto* s : fresh) s->start();
}

void VrrpComponent::stop(std::function<void()> done) {
    stopping_ = true;
    for (auto& [name, s] : scripts_) s->stop();
    if (instances_.empty()) return done();
    auto remaining = std::make_shared<size_t>(instances_.size());
    auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
    for (auto& i : instances_)
        i->stop([remaining, shared_done] {
            if (--*remaining == 0) (*shared_done)();
        });
}

std::string VrrpComponent::summary() const {
    std::string out;
    for (const auto& i : instances_) {
        if (!out.empty()) out += ", ";
        out += i->config().machine.name + " " + vrrp::to_string(i->machine().state()) + " prio " +
               std::to_string(i->machine().effective_priority());
        if (i->maintenance()) out += " (maintenance)";
    }
    return out;
}

nlohmann::json VrrpComponent::status() const {
    using nlohmann::json;
    json out;
    out["instances"] = json::array();
    auto now = vrrp::Clock::now();
    for (const auto& i : instances_) {
        const auto& c = i->config();
        const auto& m = i->machine();
        json j;
        j["name"] = c.machine.name;
        j["interface"] = c.interface;
        j["vrid"] = c.vrid;
        j["state"] = vrrp::to_string(m.state());
        j["reason"] = m.last_reason();
        j["maintenance"] = i->maintenance();
        j["handing_over"] = m.handing_over();
        j["preempt_held"] = m.preempt_held(now);
        j["priority"] = m.priority();
        j["effective_priority"] = m.effective_priority();
        j["time_in_state_s"] = std::chrono::duration<double>(now - m.state_since()).count();
        j["address"] = host::format_ipv4(i->primary_ip());
        j["master"] = m.master_address() ? json(host::format_ipv4(*m.master_address())) : json(nullptr);
        j["master_priority"] = m.master_priority();
        j["mode"] = c.unicast ? "unicast" : "multicast";
        json vips = json::array(), held = json::array();
        for (const auto& v : c.vips) vips.push_back(vrrp::Instance::describe_vip(v));
        for (const auto& v : i->vips_held()) held.push_back(vrrp::Instance::describe_vip(v));
        j["vips"] = vips;  // configured
        j["vips_held"] = held;
        add_virtual_routes_status(j, c, i->virtual_routes());
        json dropped;
        const auto& k = i->counters();
        for (size_t r = 0; r < vrrp::kDropReasons; ++r)
            dropped[vrrp::to_string(static_cast<vrrp::DropReason>(r))] = k.dropped[r];
        j["dropped"] = dropped;
        j["address_mismatch"] = k.address_mismatch;
        j["adverts_received"] = k.accepted;
        j["adverts_sent"] = i->adverts_sent();
        j["priority_zero_sent"] = i->priority_zero_sent();
        j["priority_zero_received"] = i->priority_zero_received();
        json transitions = json::object();
        for (const auto& [ft, n] : m.transitions())
            transitions[std::string(vrrp::to_string(ft.first)) + "->" + vrrp::to_string(ft.second)] = n;
        j["transitions"] = transitions;
        j["garps_sent"] = i->garps_sent();
        json tracked = json::array();
        for (const auto& t : i->tracked()) tracked.push_back({{"name", t.name}, {"weight", t.weight}, {"up", t.up}});
        j["tracked"] = tracked;
        if (i->sync_group()) j["sync_group"] = i->sync_group()->name();
        if (!i->last_error().empty()) j["last_error"] = i->last_error();
        out["instances"].push_back(j);
    }
    json scripts = json::array();
    for (const auto& [name, s] : scripts_) {
        json j{{"name", name}, {"up", s->up()}, {"runs", s->runs()}, {"failures", s->failures()},
               {"last_result", s->last_result()}};
        if (!s->refused().empty()) j["refused"] = s->refused();
        scripts.push_back(j);
    }
    out["scripts"] = scripts;
    json groups = json::array();
    for (const auto& g : groups_) {
        json members = json::array();
        for (const auto* m : g->members()) members.push_back(m->member_name());
        groups.push_back({{"name", g->name()}, {"state", vrrp::to_string(g->state())}, {"members", members}});
    }
    out["sync_groups"] = groups;
    out["scheduling"] = loop_priority();
    json files = json::array();
    for (const auto& [name, f] : files_)
        files.push_back({{"name", name}, {"file", f->config().path}, {"value", f->value()}, {"weight", f->config().weight},
                         {"invalid_reads", f->invalid()}});
    out["track_files"] = files;
    return out;
}

std::unique_ptr<Component> make_vrrp_component(boost::asio::io_context& io, const config::Config& cfg,
                                               const RunOptions& opts) {
    if (cfg.vrrp_instances.empty()) return nullptr;
    return std::make_unique<VrrpComponent>(io, cfg, opts);
}

}  // namespace director
