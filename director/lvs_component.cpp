#include "director/lvs_component.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "director/ipvs/format.hpp"
#include "director/ipvs/netlink.hpp"
#include "director/ipvs/sysctl.hpp"
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

LvsComponent::LvsComponent(boost::asio::io_context& io, const config::Config& cfg, const RunOptions& opts,
                           KernelFactory kernel, MembershipFactory membership)
    : io_(io),
      cfg_(cfg),
      opts_(opts),
      make_kernel_(std::move(kernel)),
      make_membership_(std::move(membership)),
      timer_(io) {
    period_ = shortest_delay_loop(cfg_);
    if (make_membership_) membership_ = make_membership_(io_, cfg_);
    if (membership_) membership_->on_change = [this] { reconcile_now(); };
}

void LvsComponent::apply(const config::Config& next, const reload::ConfigDiff& diff) {
    auto sync_of = [](const config::GlobalDefs& g) {
        auto s = g.lvs_sync_daemon;
        if (s) s->where = {};
        return s;
    };
    bool sync_changed = sync_of(cfg_.global) != sync_of(next.global);
    if (sync_changed && kernel_) sync_daemon(false);

    if (reconciler_) {
        auto now = lvs::DrainList::Clock::now();
        for (const auto& v : diff.virtual_servers) {
            if (v.change != reload::Change::Updated) continue;
            auto vs = std::find_if(next.virtual_servers.begin(), next.virtual_servers.end(),
                                   [&](const config::VirtualServerConf& x) { return x.key == v.key; });
            if (vs == next.virtual_servers.end()) continue;
            for (const auto& r : v.real_servers)
                if (r.change == reload::Change::Removed)
                    reconciler_->drain(v.key, {r.address, r.port}, now + std::chrono::milliseconds(vs->drain_timeout_ms));
        }
    }

    std::unique_ptr<Membership> next_membership;
    if (membership_) next_membership = membership_->reload(next);
    else if (make_membership_) next_membership = make_membership_(io_, next);
    if (membership_) membership_->on_change = nullptr;
    membership_ = std::move(next_membership);  // the old one goes, stopping what was not handed over
    if (membership_) membership_->on_change = [this] { reconcile_now(); };

    cfg_ = next;
    period_ = shortest_delay_loop(cfg_);
    if (kernel_) {
        sysctls_ = nlohmann::json::array();
        set_forwarding_sysctls();
        if (sync_changed) sync_daemon(true);
    }
    if (stopping_ || !started_) return;
    reconcile(/*after_reload=*/true);
    if (membership_) membership_->start();
    schedule();
}

LvsComponent::~LvsComponent() {
    if (membership_) membership_->on_change = nullptr;
}

const lvs::HealthSource& LvsComponent::health() const {
    return membership_ ? static_cast<const lvs::HealthSource&>(*membership_) : always_up_;
}

bool LvsComponent::ensure_kernel() {
    if (kernel_) return true;
    try {
        kernel_ = make_kernel_();
        reconciler_ = std::make_unique<lvs::Reconciler>(*kernel_);
        last_error_.clear();
        if (opts_.ipvs) opts_.ipvs->set(true, "");
        return true;
    } catch (const ipvs::KernelError& e) {
        ++kernel_errors_;
        // The same message every delay_loop would drown the log; say it once per distinct error.
        if (last_error_ != e.what()) spdlog::error("ipvs: {}", e.what());
        last_error_ = e.what();
        if (opts_.ipvs) opts_.ipvs->set(false, e.what());
        return false;
    }
}

void LvsComponent::set_forwarding_sysctls() {
    bool nat = false;
    for (const auto& vs : cfg_.virtual_servers) {
        nat |= vs.forward == ipvs::Forward::Masq;
        for (const auto& rs : vs.real_servers) nat |= rs.forward.value_or(vs.forward) == ipvs::Forward::Masq;
    }
    if (!nat) return;
    auto apply = [this](const std::string& name, const char* why) {
        auto r = ipvs::ensure_sysctl(name, "1");
        if (!r.error.empty()) {
            spdlog::warn("ipvs: {} (needed because {})", r.error, why);
            ++kernel_errors_;
        } else if (r.changed) {
            spdlog::info("ipvs: set {}=1 (was {}) because {}", name, r.old_value, why);
        }
        sysctls_.push_back({{"name", name}, {"value", r.error.empty() ? "1" : r.old_value}, {"changed", r.changed},
                            {"error", r.error}});
    };
    apply("net.ipv4.ip_forward", "NAT real servers send replies back through this host");
    if (ipvs::conntrack_loaded())
        apply("net.ipv4.vs.conntrack",
              "netfilter conntrack is loaded and NAT replies must match tracked connections to pass stateful rules");
}

void LvsComponent::sync_daemon(bool start) {
    const auto& sd = cfg_.global.lvs_sync_daemon;
    auto* nl = dynamic_cast<ipvs::Netlink*>(kernel_.get());
    if (!sd || !nl) return;
    // Both roles run at once (the kernel allows it): whichever node holds the VIP sends, the other receives,
    // and a VRRP failover needs no restart of either.
    for (auto state : {ipvs::SyncState::Master, ipvs::SyncState::Backup}) {
        const char* role = state == ipvs::SyncState::Master ? "master" : "backup";
        try {
            if (start) {
                nl->start_sync_daemon({state, sd->interface, static_cast<uint32_t>(sd->syncid)});
                spdlog::info("ipvs: started {} sync daemon on {} (syncid {})", role, sd->interface, sd->syncid);
            } else {
                nl->stop_sync_daemon(state);
            }
        } catch (const ipvs::KernelError& e) {
            if (start && e.err == EEXIST) continue;  // left running by a previous run
            ++kernel_errors_;
            spdlog::warn("ipvs: {} sync daemon: {}", role, e.what());
        }
    }
}

void LvsComponent::start() {
    started_ = true;
    if (ensure_kernel()) {
        set_forwarding_sysctls();
        sync_daemon(true);
    }
    reconcile();
    if (membership_) membership_->start();
    schedule();
}

void LvsComponent::schedule() {
    if (stopping_) return;
    bool draining = reconciler_ && !reconciler_->drains().empty();
    timer_.expires_after(draining ? std::min(period_, kDrainPoll) : period_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        bool first_success = !kernel_;
        reconcile();
        if (first_success && kernel_) {
            set_forwarding_sysctls();
            sync_daemon(true);
        }
        schedule();
    });
}

void LvsComponent::reconcile_now() {
    if (reconcile_posted_ || stopping_) return;
    reconcile_posted_ = true;
    boost::asio::post(io_, [this] {
        reconcile_posted_ = false;
        if (!stopping_) reconcile();
    });
}

void LvsComponent::reconcile(bool after_reload) {
    if (!ensure_kernel()) return;
    auto desired = lvs::desired_state(cfg_, health());
    bool first = reconciles_ == 0;
    try {
        auto r = reconciler_->reconcile(desired, first && cfg_.global.lvs_flush);
        ++reconciles_;
        op_failures_ += r.failed;
        if (first) {
            spdlog::info("ipvs: {} virtual server(s): adopted {} already in the kernel, {} added, {} edited, {} deleted "
                         "in {:.1f} ms{}",
                         desired.size(), r.adopted, r.added, r.edited, r.deleted, r.took.count() / 1000.0,
                         cfg_.global.lvs_flush ? " (lvs_flush: foreign services removed)" : "");
        } else if (after_reload) {
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
    } catch (const ipvs::KernelError& e) {
        ++kernel_errors_;
        last_error_ = e.what();
        spdlog::error("ipvs: reconcile failed: {}", e.what());
        // A broken socket is reopened at the next attempt.
        reconciler_.reset();
        kernel_.reset();
        if (opts_.ipvs) opts_.ipvs->set(false, e.what());
    }
}

void LvsComponent::stop(std::function<void()> done) {
    stopping_ = true;
    timer_.cancel();
    if (membership_) membership_->stop();
    if (kernel_ && reconciler_) {
        if (opts_.keep_ipvs_on_exit) {
            spdlog::info("ipvs: --keep-ipvs: leaving {} owned service(s) in the kernel", reconciler_->owned().size());
        } else {
            try {
                auto r = reconciler_->remove_owned();
                spdlog::info("ipvs: removed {} owned service(s)", r.deleted);
                for (const auto& e : r.errors) spdlog::error("ipvs: {}", e);
            } catch (const ipvs::KernelError& e) {
                spdlog::error("ipvs: removing owned services failed: {}", e.what());
            }
            sync_daemon(false);
        }
    }
    done();
}

nlohmann::json LvsComponent::status() const {
    nlohmann::json services = nlohmann::json::array();
    if (reconciler_)
        for (const auto& s : reconciler_->last_seen()) services.push_back(ipvs::to_json(s));
    size_t dests = 0;
    for (const auto& s : services) dests += s["destinations"].size();
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
    nlohmann::json j = {{"kernel", kernel_ ? "connected" : "unavailable"},
                        {"configured_virtual_servers", cfg_.virtual_servers.size()},
                        {"owned_services", reconciler_ ? reconciler_->owned().size() : 0},
                        {"destinations", dests},
                        {"delay_loop_ms", period_.count()},
                        {"keep_ipvs_on_exit", opts_.keep_ipvs_on_exit},
                        {"services", services},
                        {"last_reconcile", last},
                        {"counters",
                         {{"reconciles", reconciles_},
                          {"drift_repairs", drift_repairs_},
                          {"kernel_errors", kernel_errors_},
                          {"op_failures", op_failures_},
                          {"drains_completed", drains_done_},
                          {"drains_timed_out", drains_timed_out_}}},
                        {"draining", reconciler_ ? reconciler_->drains().size() : 0},
                        {"sysctls", sysctls_}};
    if (membership_) {
        j["membership"] = membership_->status();
        // Health decides what should be in the table; without a table nothing is in it.
        if (!kernel_) mark_not_in_table(j["membership"]);
    }
    return j;
}

std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, const config::Config& cfg,
                                              const RunOptions& opts, KernelFactory kernel,
                                              MembershipFactory membership) {
    if (cfg.virtual_servers.empty()) return nullptr;
    return std::make_unique<LvsComponent>(io, cfg, opts, std::move(kernel), std::move(membership));
}

std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, const config::Config& cfg,
                                              const RunOptions& opts) {
    // Health checks decide membership; real servers without checkers stay in service (make_membership
    // returns null when no server has one).
    return make_lvs_component(
        io, cfg, opts, [] { return std::unique_ptr<ipvs::Kernel>(ipvs::Netlink::open()); }, &lvs::make_membership);
}

}  // namespace director
