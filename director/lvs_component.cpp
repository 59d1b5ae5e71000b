#include "director/lvs_component.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "director/ipvs/format.hpp"
#include "director/ipvs/netlink.hpp"
#include "director/lvs/membership.hpp"
#include "director/reload/config_diff.hpp"

namespace director {

namespace {

void mark_not_in_table(nlohmann::json& j) {
    if (j.is_object()) {
        for (auto& [k, v] : j.items()) {
            if (k == "in_table") v = false;
            else mark_not_in_table(v);
        }
    } else if (j.is_array()) {
        for (auto& v : j) mark_not_in_table(v);
    }
}

}  // namespace

namespace {

std::chrono::milliseconds shortest_delay_loop(const config::Config& cfg) {
    long long ms = 60000;
    for (const auto& vs : cfg.virtual_servers) ms = std::min(ms, vs.delay_loop_ms);
    return std::chrono::milliseconds(ms);
}

// While a real server drains, its active connections are looked at this often.
constexpr std::chrono::milliseconds kDrainPoll{1000};

}  // namespace

struct LvsComponent::PassRequest {
    std::vector<lvs::DesiredService> desired;
    bool delete_foreign = false;  // lvs_flush, first pass only
    bool after_reload = false;
    bool host_setup = false;      // sysctls and sync daemon (first pass on a new connection, or a reload)
    bool nat = false;             // the config has NAT real servers: forwarding sysctls wanted
    std::optional<config::LvsSyncDaemon> sync, sync_stop;
    bool sync_start = false;
    std::set<ipvs::SyncState> sync_want;  // the roles `sync` should run now
    std::optional<config::LvsTimeouts> timeouts;  // set with the host setup
    std::vector<DrainRequest> drains;
    ipvs::ChannelLimits limits;  // the socket buffer from global_defs; the window is the worker's
};

struct LvsComponent::PassResult {
    bool after_reload = false;
    bool opened_now = false;
    std::string error;  // the kernel could not be opened or its table not read
    std::optional<lvs::ReconcileResult> result;
    std::vector<ipvs::ServiceState> seen;
    size_t owned = 0, draining = 0;
    uint64_t kernel_errors = 0;  // sysctl and sync-daemon failures
    std::optional<nlohmann::json> sysctls;
    unsigned resyncs = 0;        // the reconcile was redone on a fresh socket
    std::string resync_reason;
    size_t window = 0;           // requests in flight the socket's buffer has room for, as learnt
};

namespace {

// Forwarding settings NAT needs; runs on the worker, reports what it did.
nlohmann::json set_forwarding_sysctls(ipvs::Kernel& kernel, bool nat, uint64_t& errors) {
    nlohmann::json out = nlohmann::json::array();
    if (!nat) return out;
    auto apply = [&](const std::string& name, const char* why) {
        auto r = kernel.ensure_sysctl(name, "1");
        if (!r.error.empty()) {
            spdlog::warn("ipvs: {} (needed because {})", r.error, why);
            ++errors;
        } else if (r.changed) {
            spdlog::info("ipvs: set {}=1 (was {}) because {}", name, r.old_value, why);
        }
        out.push_back({{"name", name}, {"value", r.error.empty() ? "1" : r.old_value}, {"changed", r.changed},
                       {"error", r.error}});
    };
    apply("net.ipv4.ip_forward", "NAT real servers send replies back through this host");
    if (kernel.conntrack_loaded())
        apply("net.ipv4.vs.conntrack",
              "netfilter conntrack is loaded and NAT replies must match tracked connections to pass stateful rules");
    return out;
}

// Makes the kernel run the sync daemon roles in `want` and no other; `running` is what this process last
// left running. `force`: do not trust `running` (a new kernel connection, a reload, a stop).
void sync_daemons(ipvs::Kernel& kernel, const config::LvsSyncDaemon& sd, const std::set<ipvs::SyncState>& want,
                  bool force, std::set<ipvs::SyncState>& running, uint64_t& errors) {
    for (auto state : {ipvs::SyncState::Master, ipvs::SyncState::Backup}) {
        const char* role = state == ipvs::SyncState::Master ? "master" : "backup";
        bool on = want.count(state) > 0, was = running.count(state) > 0;
        try {
            if (on && (!was || force)) {
                kernel.start_sync_daemon({state, sd.interface, static_cast<uint32_t>(sd.syncid)});
                spdlog::info("ipvs: started {} sync daemon on {} (syncid {}){}", role, sd.interface, sd.syncid,
                             sd.vrrp_instance.empty() ? "" : ", following VRRP_Instance(" + sd.vrrp_instance + ")");
            } else if (!on && (was || force)) {
                kernel.stop_sync_daemon(state);
                spdlog::info("ipvs: stopped {} sync daemon", role);
            }
        } catch (const ipvs::KernelError& e) {
            // Left running by a previous run, or already gone: either way the kernel is as wanted.
            if (on && e.err == EEXIST) continue;
            if (!on && (e.err == ESRCH || e.err == ENOENT || e.err == EINVAL)) continue;
            ++errors;
            spdlog::warn("ipvs: {} sync daemon: {}", role, e.what());
        }
    }
    running = want;
}

// lvs_timeouts, as `ipvsadm --set` would (0 keeps the kernel's value); runs on the worker.
void set_timeouts(ipvs::Kernel& kernel, const config::LvsTimeouts& t, uint64_t& errors) {
    try {
        kernel.set_timeouts({static_cast<uint32_t>(t.tcp), static_cast<uint32_t>(t.tcp_fin), static_cast<uint32_t>(t.udp)});
        auto now = kernel.timeouts();
        spdlog::info("ipvs: lvs_timeouts: tcp {} tcpfin {} udp {} (seconds)", now.tcp, now.tcp_fin, now.udp);
    } catch (const ipvs::KernelError& e) {
        ++errors;
        spdlog::warn("ipvs: lvs_timeouts: {}", e.what());
    }
}

bool has_nat(const config::Config& cfg) {
    for (const auto& vs : cfg.virtual_servers) {
        if (vs.forward == ipvs::Forward::Masq) return true;
        for (const auto& rs : vs.real_servers)
            if (rs.forward.value_or(vs.forward) == ipvs::Forward::Masq) return true;
    }
    return false;
}

}  // namespace

LvsComponent::LvsComponent(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg,
                           const RunOptions& opts, KernelFactory kernel, MembershipFactory membership)
    : io_(io),
      cfg_(std::move(cfg)),
      opts_(opts),
      make_kernel_(std::move(kernel)),
      make_membership_(std::move(membership)),
      timer_(io),
      worker_(io) {
    period_ = shortest_delay_loop(*cfg_);
    applied_health_ = std::make_unique<HandDrainedView>(*this);
    store_ = opts.state;
    if (store_) hand_drains_ = store_->get().drained;
    if (make_membership_) membership_ = make_membership_(io_, cfg_);
    wire_membership();
    if (opts_.instance_states)
        opts_.instance_states->subscribe([this, alive = std::weak_ptr<bool>(alive_)](const std::string& instance) {
            if (alive.expired()) return;
            const auto& sd = cfg_->global.lvs_sync_daemon;
            if (!sd || sd->vrrp_instance != instance || !started_) return;
            spdlog::info("ipvs: VRRP_Instance({}) is {}: the sync daemon follows", instance,
                         opts_.instance_states->get(instance));
            reconcile_now();
        });
}

void LvsComponent::wire_membership() {
    if (!membership_) return;
    membership_->on_change = [this] { reconcile_now(); };
    if (opts_.events)
        membership_->on_transition = [events = opts_.events](const std::string& who, bool up, const std::string& why) {
            events->record({0, {}, "real_server", who, up ? "down" : "up", up ? "up" : "down", why});
        };
}

std::set<ipvs::SyncState> LvsComponent::sync_roles_wanted() const {
    const auto& sd = cfg_->global.lvs_sync_daemon;
    // No instance named: both roles at once (the kernel allows it); whichever node holds the VIP sends,
    // the other receives, and a failover restarts neither.
    if (!sd || sd->vrrp_instance.empty() || !opts_.instance_states)
        return {ipvs::SyncState::Master, ipvs::SyncState::Backup};
    // Master while the instance is, backup otherwise (also before it has said anything): a node that is
    // not master must be learning the master's connections.
    if (opts_.instance_states->get(sd->vrrp_instance) == "MASTER") return {ipvs::SyncState::Master};
    return {ipvs::SyncState::Backup};
}

void LvsComponent::apply(const std::shared_ptr<const config::Config>& next_config, const reload::ConfigDiff& diff) {
    const config::Config& next = *next_config;
    auto sync_of = [](const config::GlobalDefs& g) {
        auto s = g.lvs_sync_daemon;
        if (s) s->where = {};
        return s;
    };
    if (sync_of(cfg_->global) != sync_of(next.global)) {
        sync_stop_ = cfg_->global.lvs_sync_daemon;
        sync_start_ = true;
    }
    auto now = lvs::DrainList::Clock::now();
    for (const auto& v : diff.virtual_servers) {
        if (v.change != reload::Change::Updated) continue;
        auto vs = std::find_if(next.virtual_servers.begin(), next.virtual_servers.end(), [&](const config::VirtualServerConf& x) {
            return x.key == v.key && x.group == v.group;
        });
        if (vs == next.virtual_servers.end()) continue;
        // A group's real server leaves each of its kernel services; a service the group lost goes whole.
        for (const auto& r : v.real_servers)
            if (r.change == reload::Change::Removed)
                for (const auto& k : vs->service_keys())
                    pending_drains_.push_back(
                        {k, {r.address, r.port}, now + std::chrono::milliseconds(vs->drain_timeout_ms)});
    }

    std::unique_ptr<Membership> next_membership;
    if (membership_) next_membership = membership_->reload(next_config);
    else if (make_membership_) next_membership = make_membership_(io_, next_config);
    if (membership_) membership_->on_change = nullptr;
    membership_ = std::move(next_membership);  // the old one goes, stopping what was not handed over
    wire_membership();

    cfg_ = next_config;
    period_ = shortest_delay_loop(*cfg_);
    redo_host_setup_ = true;
    if (stopping_ || !started_) return;
    request_pass(/*after_reload=*/true);
    if (membership_) membership_->start();
    schedule();
}

LvsComponent::~LvsComponent() {
    if (membership_) membership_->on_change = nullptr;
}

const lvs::HealthSource& LvsComponent::health() const {
    return membership_ ? static_cast<const lvs::HealthSource&>(*membership_) : always_up_;
}

void LvsComponent::set_availability(bool available, const std::string& reason) {
    if (opts_.ipvs) opts_.ipvs->set(available, reason);
}

ipvs::ChannelLimits LvsComponent::channel_limits() const {
    ipvs::ChannelLimits l;
    l.rcvbuf = cfg_->global.lvs_netlink_cmd_rcv_bufs;
    l.rcvbuf_force = cfg_->global.lvs_netlink_cmd_rcv_bufs_force;
    return l;
}

bool LvsComponent::open_kernel() {
    try {
        kernel_ = make_kernel_();
        kernel_->set_limits(channel_limits());
        reconciler_ = std::make_unique<lvs::Reconciler>(*kernel_);
        connected_ = true;
        set_availability(true, "");
        return true;
    } catch (const ipvs::KernelError& e) {
        ++kernel_errors_;
        last_error_ = e.what();
        spdlog::error("ipvs: {}", e.what());
        set_availability(false, e.what());
        return false;
    }
}

void LvsComponent::start() {
    started_ = true;
    // Opened here, not on the worker: the VRRP instances start right after this and must already know
    // whether IPVS is there (a VIP of a service the kernel cannot forward is not taken).
    if (open_kernel()) redo_host_setup_ = sync_start_ = true;
    request_pass();
    if (membership_) membership_->start();
    schedule();
}

void LvsComponent::schedule() {
    if (stopping_) return;
    bool draining = draining_ > 0 || !pending_drains_.empty();
    timer_.expires_after(draining ? std::min(period_, kDrainPoll) : period_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        request_pass();
        schedule();
    });
}

void LvsComponent::reconcile_now() {
    if (reconcile_posted_ || stopping_) return;
    reconcile_posted_ = true;
    boost::asio::post(io_, [this] {
        reconcile_posted_ = false;
        if (!stopping_) request_pass();
    });
}

void LvsComponent::settled(std::function<void()> f) {
    if (!busy_ && !again_) return f();
    settled_.push_back(std::move(f));
}

void LvsComponent::request_pass(bool after_reload) {
    if (stopping_) return;
    if (busy_) {
        again_ = true;
        again_after_reload_ |= after_reload;
        return;
    }
    again_after_reload_ = after_reload;
    launch_pass();
}

void LvsComponent::launch_pass() {
    auto req = std::make_shared<PassRequest>();
    // The desired state is computed here, on the loop, where the health decisions live; the worker gets a copy.
    req->desired = lvs::desired_state(*cfg_, *applied_health_);
    req->delete_foreign = reconciles_ == 0 && cfg_->global.lvs_flush;
    req->after_reload = std::exchange(again_after_reload_, false);
    req->host_setup = std::exchange(redo_host_setup_, false);
    req->nat = has_nat(*cfg_);
    req->sync = cfg_->global.lvs_sync_daemon;
    req->sync_stop = std::exchange(sync_stop_, std::nullopt);
    req->sync_start = std::exchange(sync_start_, false);
    req->sync_want = sync_roles_wanted();
    req->timeouts = cfg_->global.lvs_timeouts;
    req->drains = std::move(pending_drains_);
    req->limits = channel_limits();
    pending_drains_.clear();
    busy_ = true;
    again_ = false;
    worker_.run<PassResult>([this, req] { return run_pass(*req); },
                            [this](PassResult r) { finish_pass(std::move(r)); });
}

LvsComponent::PassResult LvsComponent::run_pass(const PassRequest& req) {
    PassResult out;
    out.after_reload = req.after_reload;
    auto limits = req.limits;
    limits.window = window_;
    if (!kernel_) {
        try {
            kernel_ = make_kernel_();
            reconciler_ = std::make_unique<lvs::Reconciler>(*kernel_);
            out.opened_now = true;
        } catch (const ipvs::KernelError& e) {
            out.error = e.what();
            return out;
        }
    }
    kernel_->set_limits(limits);  // a reload may have changed the buffer
    if (req.sync_stop) sync_daemons(*kernel_, *req.sync_stop, {}, true, sync_running_, out.kernel_errors);
    if (out.opened_now || req.host_setup) out.sysctls = set_forwarding_sysctls(*kernel_, req.nat, out.kernel_errors);
    if (req.timeouts && (out.opened_now || req.host_setup)) set_timeouts(*kernel_, *req.timeouts, out.kernel_errors);
    if (req.sync && (out.opened_now || req.sync_start || req.sync_want != sync_running_))
        sync_daemons(*kernel_, *req.sync, req.sync_want, out.opened_now || req.sync_start, sync_running_,
                     out.kernel_errors);
    for (const auto& d : req.drains) reconciler_->drain(d.service, d.dest, d.deadline);
    for (;;) {
        try {
            out.result = reconciler_->reconcile(req.desired, req.delete_foreign);
            break;
        } catch (const ipvs::KernelError& e) {
            // Replies lost to a full socket buffer: what took effect is unknown, so read the whole table again
            // on a fresh socket at once (the reconcile lists before it plans) instead of calling IPVS gone,
            // with half as many requests in flight, down to one, until their acks fit.
            if (e.err == ENOBUFS && limits.window > 1) {
                ++out.resyncs;
                out.resync_reason = e.what();
                window_ = limits.window = std::max<size_t>(1, limits.window / 2);
                try {
                    auto fresh = make_kernel_();
                    fresh->set_limits(limits);
                    reconciler_->rebind(*fresh);  // keeps what it owns and drains
                    kernel_ = std::move(fresh);
                    continue;
                } catch (const ipvs::KernelError& again) {
                    out.error = again.what();
                }
            } else {
                out.error = e.what();
            }
            // A broken socket is reopened at the next attempt.
            reconciler_.reset();
            kernel_.reset();
            return out;
        }
    }
    out.window = window_;
    out.seen = reconciler_->last_seen();
    out.owned = reconciler_->owned().size();
    out.draining = reconciler_->drains().size();
    return out;
}

void LvsComponent::finish_pass(PassResult p) {
    busy_ = false;
    kernel_errors_ += p.kernel_errors;
    if (p.resyncs) {
        netlink_resyncs_ += p.resyncs;
        spdlog::warn("ipvs: {}; read the table again on a fresh socket and resynced, at most {} requests in flight",
                     p.resync_reason, p.window);
    }
    if (p.window) netlink_window_ = p.window;
    if (p.sysctls) sysctls_ = *p.sysctls;
    if (!p.result) {
        ++kernel_errors_;
        // The same message every delay_loop would drown the log; say it once per distinct error.
        if (last_error_ != p.error) spdlog::error("ipvs: {}", p.error);
        last_error_ = p.error;
        connected_ = false;
        seen_ = std::make_shared<std::vector<ipvs::ServiceState>>();
        owned_ = draining_ = 0;
        set_availability(false, p.error);
    } else {
        auto& r = *p.result;
        bool first = reconciles_ == 0;
        ++reconciles_;
        op_failures_ += r.failed;
        if (first) {
            spdlog::info("ipvs: {} service(s): adopted {} already in the kernel, {} added, {} edited, {} deleted "
                         "in {:.1f} ms{}",
                         configured_services(), r.adopted, r.added, r.edited, r.deleted,
                         r.took.count() / 1000.0,
                         cfg_->global.lvs_flush ? " (lvs_flush: foreign services removed)" : "");
        } else if (p.after_reload) {
            spdlog::info("ipvs: reloaded config applied: {} added, {} edited, {} deleted, {} real server(s) draining "
                         "in {:.1f} ms",
                         r.added, r.edited, r.deleted, r.draining, r.took.count() / 1000.0);
        } else if (r.changes() > r.drained.size()) {
            ++drift_repairs_;
            spdlog::warn("ipvs: table differed from the desired state: {} added, {} edited, {} deleted in {:.1f} ms",
                         r.added, r.edited, r.deleted, r.took.count() / 1000.0);
        }
        for (const auto& e : r.errors) spdlog::error("ipvs: {}", e);
        for (const auto& d : r.drained) {
            std::string who = ipvs::describe(d.service) + " real_server " + ipvs::format_addr_port(d.dest.first, d.dest.second);
            if (d.active_conns) {
                ++drains_timed_out_;
                spdlog::warn("ipvs: {}: drain_timeout passed with {} active connection(s); removed", who, d.active_conns);
            } else {
                ++drains_done_;
                spdlog::info("ipvs: {}: drained (no active connection left); removed", who);
            }
        }
        last_ = r;
        last_error_.clear();
        connected_ = true;
        seen_ = std::make_shared<std::vector<ipvs::ServiceState>>(std::move(p.seen));
        owned_ = p.owned;
        draining_ = p.draining;
        set_availability(true, "");
    }
    if (again_ && !stopping_) return launch_pass();
    again_ = false;
    auto waiting = std::move(settled_);
    settled_.clear();
    for (auto& f : waiting) f();
}

void LvsComponent::stop(std::function<void()> done) {
    stopping_ = true;
    timer_.cancel();
    if (membership_) membership_->stop();
    bool keep = opts_.keep_ipvs_on_exit;
    auto sync = cfg_->global.lvs_sync_daemon;
    // Queued behind a pass still running, so the last word on the table is this one.
    worker_.run<bool>(
        [this, keep, sync] {
            if (!kernel_ || !reconciler_) return true;
            if (keep) {
                spdlog::info("ipvs: --keep-ipvs: leaving {} owned service(s) in the kernel", reconciler_->owned().size());
                return true;
            }
            try {
                auto r = reconciler_->remove_owned();
                spdlog::info("ipvs: removed {} owned service(s)", r.deleted);
                for (const auto& e : r.errors) spdlog::error("ipvs: {}", e);
            } catch (const ipvs::KernelError& e) {
                spdlog::error("ipvs: removing owned services failed: {}", e.what());
            }
            uint64_t errors = 0;
            if (sync) sync_daemons(*kernel_, *sync, {}, true, sync_running_, errors);
            return true;
        },
        [done](bool) { done(); });
    auto waiting = std::move(settled_);
    settled_.clear();
    for (auto& f : waiting) f();
}

size_t LvsComponent::configured_services() const {
    size_t n = 0;
    for (const auto& vs : cfg_->virtual_servers) n += vs.service_keys().size();
    return n;
}

std::string LvsComponent::summary() const {
    if (!connected_) return "IPVS unavailable";
    size_t all = 0, up = 0;
    for (size_t v = 0; v < cfg_->virtual_servers.size(); ++v)
        for (size_t r = 0; r < cfg_->virtual_servers[v].real_servers.size(); ++r) {
            ++all;
            auto d = applied_health_->decide(v, r, cfg_->virtual_servers[v].real_servers[r].weight);
            if (d.present && d.weight > 0) ++up;
        }
    return std::to_string(up) + "/" + std::to_string(all) + " real servers up";
}

nlohmann::json LvsComponent::status() const { return status_snapshot()(); }

Component::StatusBuilder LvsComponent::status_snapshot() const {
    // Everything per service or per real server (the kernel's table, the health checks) is turned into
    // JSON by the returned function, off the loop; here only shared pointers and small values are taken.
    nlohmann::json last = {{"ok", last_.ok && last_error_.empty()},
                           {"added", last_.added},
                           {"edited", last_.edited},
                           {"deleted", last_.deleted},
                           {"failed", last_.failed},
                           {"adopted", last_.adopted},
                           {"took_ms", last_.took.count() / 1000.0},
                           {"errors", last_.errors},
                           {"at", std::chrono::duration_cast<std::chrono::milliseconds>(last_.at.time_since_epoch()).count()}};
    if (!last_error_.empty()) last["error"] = last_error_;
    nlohmann::json j = {{"kernel", connected_ ? "connected" : "unavailable"},
                        {"configured_virtual_servers", cfg_->virtual_servers.size()},
                        {"configured_services", configured_services()},
                        {"owned_services", owned_},
                        {"delay_loop_ms", period_.count()},
                        {"keep_ipvs_on_exit", opts_.keep_ipvs_on_exit},
                        {"last_reconcile", last},
                        {"counters",
                         {{"reconciles", reconciles_},
                          {"drift_repairs", drift_repairs_},
                          {"kernel_errors", kernel_errors_},
                          {"netlink_resyncs", netlink_resyncs_},
                          {"netlink_window", netlink_window_},
                          {"op_failures", op_failures_},
                          {"drains_completed", drains_done_},
                          {"drains_timed_out", drains_timed_out_}}},
                        {"draining", draining_},
                        {"hand_drained", hand_drains_},
                        {"sysctls", sysctls_}};
    std::function<Membership::StatusParts()> membership;
    if (membership_) membership = membership_->status_snapshot();
    // Callable more than once: the large parts go into a copy of the small head, never into `head`.
    return [head = std::move(j), membership = std::move(membership), seen = seen_, cfg = cfg_,
            connected = connected_] {
        nlohmann::json j = head;
        std::map<ipvs::ServiceKey, const std::string*> group_of;
        for (const auto& vs : cfg->virtual_servers)
            for (const auto& k : vs.members) group_of[k] = &vs.group;
        nlohmann::json services = nlohmann::json::array();
        size_t dests = 0;
        for (const auto& s : *seen) {
            services.push_back(ipvs::to_json(s));
            if (auto g = group_of.find(s.service.key); g != group_of.end()) services.back()["group"] = *g->second;
            dests += s.destinations.size();
        }
        j["destinations"] = dests;
        j["services"] = std::move(services);
        if (membership) {
            auto parts = membership();
            j["membership"] = std::move(parts.membership);
            j["health_checks"] = std::move(parts.health_checks);
            // Health decides what should be in the table; without a table nothing is in it.
            if (!connected) mark_not_in_table(j["membership"]);
        }
        return j;
    };
}

std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg,
                                              const RunOptions& opts, KernelFactory kernel,
                                              MembershipFactory membership) {
    if (cfg->virtual_servers.empty()) return nullptr;
    return std::make_unique<LvsComponent>(io, std::move(cfg), opts, std::move(kernel), std::move(membership));
}

std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, const config::Config& cfg,
                                              const RunOptions& opts, KernelFactory kernel,
                                              MembershipFactory membership) {
    return make_lvs_component(io, std::make_shared<const config::Config>(cfg), opts, std::move(kernel),
                              std::move(membership));
}

std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg,
                                              const RunOptions& opts) {
    // Health checks decide membership; real servers without checkers stay in service (make_membership
    // returns null when no server has one).
    return make_lvs_component(
        io, std::move(cfg), opts, [] { return std::unique_ptr<ipvs::Kernel>(ipvs::Netlink::open()); },
        [](boost::asio::io_context& io, const std::shared_ptr<const config::Config>& c) {
            return lvs::make_membership(io, c);
        });
}

}  // namespace director
