#include "director/lvs/membership.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <spdlog/spdlog.h>

#include "director/config/values.hpp"
#include "director/reload/config_diff.hpp"
#include "director/script_policy.hpp"
#include "healthcheck/exec_checker.hpp"
#include "healthcheck/http_checker.hpp"
#include "host/process.hpp"
#include "healthcheck/tcp_checker.hpp"

namespace director::lvs {

using healthcheck::Checker;
using Millis = std::chrono::milliseconds;

const char* to_string(RsState s) {
    switch (s) {
        case RsState::Up: return "up";
        case RsState::Draining: return "draining";
        case RsState::Removed: return "removed";
    }
    return "?";
}

bool MembershipState::Rs::all_up() const {
    return std::all_of(checker_up.begin(), checker_up.end(), [](bool b) { return b; });
}

MembershipState::MembershipState(const config::Config& cfg) {
    for (const auto& vsc : cfg.virtual_servers) {
        Vs v;
        v.quorum = vsc.quorum;
        v.hysteresis = vsc.hysteresis;
        v.has_sorry = vsc.sorry_server.has_value();
        for (const auto& rsc : vsc.real_servers) {
            Rs r;
            bool start_up = !vsc.alpha || rsc.checkers.empty();
            r.checker_up.assign(rsc.checkers.size(), start_up);
            r.state = start_up ? RsState::Up : RsState::Removed;
            r.inhibit = rsc.inhibit_on_failure;
            r.weight = rsc.weight;
            v.rss.push_back(std::move(r));
        }
        vss_.push_back(std::move(v));
    }
    for (size_t i = 0; i < vss_.size(); ++i) vss_[i].quorum_up = live_weight(i) >= vss_[i].quorum;
}

int32_t MembershipState::effective_weight(const Rs& r) const {
    return r.dynamic_weight ? *r.dynamic_weight : r.weight;
}

int64_t MembershipState::live_weight(size_t vs) const {
    int64_t sum = 0;
    for (const auto& r : vss_[vs].rss)
        if (r.state == RsState::Up) sum += effective_weight(r);
    return sum;
}

void MembershipState::carry(size_t vs, size_t rs, const MembershipState& old, size_t old_vs, size_t old_rs) {
    const Rs& from = old.vss_[old_vs].rss[old_rs];
    Rs& to = vss_[vs].rss[rs];
    if (from.checker_up.size() != to.checker_up.size()) return;  // not the same checks after all
    to.checker_up = from.checker_up;
    to.state = from.state;
    to.dynamic_weight = from.dynamic_weight;
}

std::optional<MembershipState::QuorumChange> MembershipState::settle_quorum(size_t vs, bool quorum_up_before) {
    vss_[vs].quorum_up = quorum_up_before;
    size_t n = quorum_changes_.size();
    update_quorum(vs);
    if (quorum_changes_.size() == n) return std::nullopt;
    auto change = quorum_changes_.back();
    quorum_changes_.pop_back();
    return change;
}

RealServerDecision MembershipState::decide(size_t vs, size_t rs, int32_t configured_weight) const {
    const Vs& v = vss_[vs];
    const Rs& r = v.rss[rs];
    if (v.has_sorry && !v.quorum_up) return {false, 0};
    switch (r.state) {
        case RsState::Up: return {true, r.dynamic_weight ? *r.dynamic_weight : configured_weight};
        case RsState::Draining: return {true, 0};
        case RsState::Removed: return r.inhibit ? RealServerDecision{true, 0} : RealServerDecision{false, 0};
    }
    return {true, configured_weight};
}

bool MembershipState::use_sorry_server(size_t vs) const { return vss_[vs].has_sorry && !vss_[vs].quorum_up; }

void MembershipState::update_quorum(size_t vs) {
    Vs& v = vss_[vs];
    int64_t live = live_weight(vs);
    if (v.quorum_up && live < static_cast<int64_t>(v.quorum) - v.hysteresis) {
        v.quorum_up = false;
        quorum_changes_.push_back({vs, false});
    } else if (!v.quorum_up && live >= static_cast<int64_t>(v.quorum) + v.hysteresis) {
        v.quorum_up = true;
        quorum_changes_.push_back({vs, true});
    }
}

bool MembershipState::apply(size_t vs, size_t rs, size_t ci, const Checker::Report& rep) {
    Rs& r = vss_[vs].rss[rs];
    auto before_decision = decide(vs, rs, r.weight);
    bool before_sorry = use_sorry_server(vs);
    int64_t live_before = r.state == RsState::Up ? effective_weight(r) : 0;
    r.checker_up[ci] = rep.up;
    if (rep.last.ok && rep.last.weight) r.dynamic_weight = *rep.last.weight;
    if (r.all_up()) {
        if (r.state != RsState::Up) {
            r.state = RsState::Up;
            transitions_.push_back({vs, rs, true});
        }
    } else if (!rep.up) {
        if (r.state == RsState::Up) {
            r.state = RsState::Draining;  // new connections stop at once, established ones finish
            transitions_.push_back({vs, rs, false});
        } else if (r.state == RsState::Draining && !r.inhibit) {
            r.state = RsState::Removed;
        }
    }
    // The quorum moves only with the live weight; summing every server's weight on each of thousands of
    // checks' reports, mostly unchanged, would cost O(servers) per check.
    if ((r.state == RsState::Up ? effective_weight(r) : 0) != live_before) update_quorum(vs);
    auto after = decide(vs, rs, r.weight);
    return after.present != before_decision.present || after.weight != before_decision.weight ||
           use_sorry_server(vs) != before_sorry;
}

namespace {

// Stands in for a checker that cannot work (SSL files unreadable at start): it fails every check with
// the reason, so status shows why instead of the server silently staying in service.
class BrokenChecker final : public Checker {
public:
    BrokenChecker(boost::asio::io_context& io, healthcheck::Policy p, std::string what, std::string why)
        : Checker(io, p), what_(std::move(what)), why_(std::move(why)) {}
    std::string describe() const override { return what_; }

protected:
    void exchange(Done done) override { done(healthcheck::failed(why_)); }

private:
    std::string what_, why_;
};

boost::asio::ip::address_v4 v4(uint32_t host_order) { return boost::asio::ip::address_v4(host_order); }

}  // namespace

std::shared_ptr<Checker> make_checker(boost::asio::io_context& io, const config::Config& cfg, size_t vsi, size_t rsi,
                                      size_t ci, const std::shared_ptr<healthcheck::TlsClient>& tls) {
    const auto& vs = cfg.virtual_servers[vsi];
    const auto& rs = vs.real_servers[rsi];
    const auto& c = rs.checkers[ci];
    healthcheck::Policy p;
    p.interval = Millis(c.delay_loop_ms);
    p.retry = c.retry;
    p.delay_before_retry = Millis(c.delay_before_retry_ms);
    p.rise = c.rise;
    p.fall = c.fall;
    p.start_up = !vs.alpha;
    p.warmup = Millis(c.warmup_ms);

    if (c.kind == config::CheckerKind::Misc) {
        p.timeout = Millis(c.misc_timeout_ms);
        auto policy = script_policy(cfg.global, c.user.value_or(""), c.group.value_or(""));
        return std::make_shared<healthcheck::ExecChecker>(
            io, p, healthcheck::ExecTarget{c.misc_argv, policy.user, policy.group, c.misc_dynamic, policy.secure});
    }
    p.timeout = Millis(c.connect_timeout_ms);
    healthcheck::TcpTarget t;
    t.endpoint = {v4(c.connect_ip.value_or(rs.address)), c.connect_port.value_or(rs.port)};
    if (c.bindto || c.bind_port)
        t.bindto = boost::asio::ip::tcp::endpoint(v4(c.bindto.value_or(0)), c.bind_port.value_or(0));
    if (c.kind == config::CheckerKind::Tcp) return std::make_shared<healthcheck::TcpChecker>(io, p, t);

    healthcheck::HttpTarget h;
    h.tcp = t;
    for (const auto& u : c.urls) {
        healthcheck::UrlCheck uc;
        uc.path = u.path;
        uc.status.ranges = u.status_codes;
        uc.digest = u.digest;
        uc.virtualhost = u.virtualhost;
        h.urls.push_back(std::move(uc));
    }
    h.virtualhost = c.virtualhost;
    h.protocol = c.http_protocol;
    h.keepalive_requests = c.keepalive_requests;
    h.keepalive_max_age = Millis(c.keepalive_max_age_ms);
    if (c.kind == config::CheckerKind::Ssl) {
        if (!tls) return std::make_shared<BrokenChecker>(io, p, "SSL_GET " + config::format_ipv4(rs.address), "no TLS context");
        h.tls = tls;
        h.enable_sni = c.enable_sni;
        h.sni_name = c.sni_name;
    }
    return std::make_shared<healthcheck::HttpChecker>(io, p, std::move(h));
}

namespace {

bool has_checkers(const config::Config& cfg) {
    for (const auto& vs : cfg.virtual_servers)
        for (const auto& rs : vs.real_servers)
            if (!rs.checkers.empty()) return true;
    return false;
}

class HealthMembership final : public director::Membership {
public:
    // With `prev` (a reload): real servers whose checks are defined as in prev's config take over prev's
    // running checkers and their verdicts; everything else starts afresh when start() is called.
    HealthMembership(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg,
                     HealthMembership* prev = nullptr)
        : io_(io), cfg_(std::move(cfg)), state_(*cfg_) {
        std::shared_ptr<healthcheck::TlsClient> tls;
        std::string tls_error;
        bool need_tls = false;
        for (const auto& vs : cfg_->virtual_servers)
            for (const auto& rs : vs.real_servers)
                for (const auto& c : rs.checkers) need_tls |= c.kind == config::CheckerKind::Ssl;
        if (need_tls) {
            healthcheck::TlsOptions o;
            if (cfg_->ssl) o = {cfg_->ssl->ca, cfg_->ssl->certificate, cfg_->ssl->key};
            try {
                tls = std::make_shared<healthcheck::TlsClient>(o);
            } catch (const std::exception& e) {
                tls_error = e.what();
                spdlog::error("SSL_GET checks cannot run: {}", tls_error);
            }
        }
        PrevIndex index;
        if (prev) index = PrevIndex(*prev);
        for (size_t v = 0; v < cfg_->virtual_servers.size(); ++v) {
            const auto& vs = cfg_->virtual_servers[v];
            for (size_t r = 0; r < vs.real_servers.size(); ++r) {
                if (prev && take_over(*prev, index, v, r)) continue;
                for (size_t c = 0; c < vs.real_servers[r].checkers.size(); ++c) {
                    Entry e{nullptr, std::make_shared<Slot>(Slot{this, v, r, c}), false};
                    if (vs.real_servers[r].checkers[c].kind == config::CheckerKind::Ssl && !tls) {
                        healthcheck::Policy p;
                        p.interval = Millis(vs.delay_loop_ms);
                        p.start_up = !vs.alpha;
                        e.checker = std::make_shared<BrokenChecker>(io_, p, "SSL_GET", "SSL: " + tls_error);
                    } else {
                        e.checker = make_checker(io_, *cfg_, v, r, c, tls);
                    }
                    e.what = std::make_shared<const std::string>(e.checker->describe());
                    entries_.push_back(std::move(e));
                }
            }
        }
        if (prev) settle_quorums(*prev);
    }
    ~HealthMembership() override {
        stop();
        for (auto& e : entries_)
            if (e.slot) e.slot->owner = nullptr;  // a completion already under way reports to nobody
    }

    void start() override {
        for (auto& e : entries_) {
            if (e.running) continue;  // taken over from the config before a reload: still checking
            e.running = true;
            e.checker->start([slot = e.slot](const Checker::Report& rep) {
                if (slot->owner) slot->owner->on_report(slot->vs, slot->rs, slot->ci, rep);
            });
        }
    }
    void stop() override {
        for (auto& e : entries_) {
            if (!e.checker) continue;  // handed to the membership of a reloaded config
            e.checker->stop();
            e.running = false;
        }
    }
    std::unique_ptr<director::Membership> reload(const std::shared_ptr<const config::Config>& next) override {
        if (!has_checkers(*next)) return nullptr;
        return std::make_unique<HealthMembership>(io_, next, this);
    }
    RealServerDecision decide(size_t vs, size_t rs, int32_t w) const override { return state_.decide(vs, rs, w); }
    bool use_sorry_server(size_t vs) const override { return state_.use_sorry_server(vs); }

    nlohmann::json status() const override { return status_snapshot()().membership; }
    nlohmann::json health_checks() const override { return status_snapshot()().health_checks; }

    std::function<StatusParts()> status_snapshot() const override {
        auto copy = std::make_shared<StatusCopy>();
        copy->cfg = cfg_;
        copy->vss.reserve(cfg_->virtual_servers.size());
        copy->checkers.reserve(entries_.size());
        for (size_t v = 0; v < cfg_->virtual_servers.size(); ++v) {
            const auto& vs = cfg_->virtual_servers[v];
            copy->vss.push_back({state_.live_weight(v), state_.quorum_up(v), state_.use_sorry_server(v)});
            for (size_t r = 0; r < vs.real_servers.size(); ++r) {
                auto d = state_.decide(v, r, vs.real_servers[r].weight);
                copy->rss.push_back({state_.state(v, r), d.present, d.weight, state_.dynamic_weight(v, r)});
            }
        }
        for (const auto& e : entries_) {
            if (!e.checker) continue;  // handed to the membership of a reloaded config
            const auto& ch = *e.checker;
            copy->checkers.push_back(
                {e.what, ch.up(), ch.checks_done(), ch.checks_failed(), ch.start_delays(), ch.last()});
        }
        return [copy] { return copy->build(); };
    }

private:
    // What status() shows, copied on the loop: numbers, the checkers' last results, and the config
    // (shared, never changed) for the names. Built into JSON by whoever holds it.
    struct StatusCopy {
        struct Vs {
            int64_t live_weight;
            bool quorum_up, sorry_active;
        };
        struct Rs {
            RsState state;
            bool present;
            int32_t weight;
            std::optional<int> dynamic_weight;
        };
        struct CheckerCopy {
            std::shared_ptr<const std::string> what;
            bool up;
            uint64_t checks, failed;
            healthcheck::StartDelays delays;
            std::optional<healthcheck::CheckResult> last;
        };
        std::shared_ptr<const config::Config> cfg;
        std::vector<Vs> vss;
        std::vector<Rs> rss;                // every virtual_server's, in config order
        std::vector<CheckerCopy> checkers;  // every real server's, in config order

        StatusParts build() const {
            StatusParts out{nlohmann::json::array(), health(checkers)};
            size_t next_rs = 0, next = 0;
            for (size_t v = 0; v < cfg->virtual_servers.size(); ++v) {
                const auto& vs = cfg->virtual_servers[v];
                nlohmann::json rss_json = nlohmann::json::array();
                for (size_t r = 0; r < vs.real_servers.size(); ++r, ++next_rs) {
                    const auto& rs = vs.real_servers[r];
                    const auto& st = rss[next_rs];
                    nlohmann::json checks = nlohmann::json::array();
                    for (size_t c = 0; c < rs.checkers.size(); ++c, ++next) {
                        const auto& ch = checkers[next];
                        nlohmann::json cj{{"check", *ch.what},
                                          {"up", ch.up},
                                          {"checks", ch.checks},
                                          {"failed", ch.failed},
                                          {"starts", ch.delays.starts},
                                          {"late_starts", ch.delays.late},
                                          {"start_delay_max_ms", ch.delays.max.count() / 1000.0}};
                        if (const auto& last = ch.last) {
                            cj["last"] = {{"ok", last->ok},
                                          {"reason", last->reason},
                                          {"latency_ms", last->latency.count() / 1000.0},
                                          {"tls_resumed", last->tls_resumed},
                                          {"connection_reused", last->connection_reused},
                                          {"kernel_tls", last->kernel_tls}};
                        }
                        checks.push_back(std::move(cj));
                    }
                    nlohmann::json rj{{"address", ipvs::format_addr_port(rs.address, rs.port)},
                                      {"state", to_string(st.state)},
                                      {"in_table", st.present},
                                      {"weight", st.weight},
                                      {"configured_weight", rs.weight},
                                      {"checkers", std::move(checks)}};
                    if (st.dynamic_weight) rj["dynamic_weight"] = *st.dynamic_weight;
                    rss_json.push_back(std::move(rj));
                }
                nlohmann::json vj{{"virtual_server", vs.name()},
                                  {"quorum", vs.quorum},
                                  {"hysteresis", vs.hysteresis},
                                  {"live_weight", vss[v].live_weight},
                                  {"quorum_up", vss[v].quorum_up},
                                  {"sorry_server_active", vss[v].sorry_active},
                                  {"real_servers", std::move(rss_json)}};
                if (!vs.group.empty()) {
                    // These verdicts apply to each of the group's kernel services (lvs.services name the group).
                    vj["group"] = vs.group;
                    vj["services"] = vs.members.size();
                }
                out.membership.push_back(std::move(vj));
            }
            return out;
        }

        static nlohmann::json health(const std::vector<CheckerCopy>& checkers) {
            healthcheck::StartDelays all;
            uint64_t checks = 0, failed = 0;
            for (const auto& c : checkers) {
                checks += c.checks;
                failed += c.failed;
                all.merge(c.delays);
            }
            // Cumulative, as Prometheus' histogram buckets are.
            nlohmann::json buckets = nlohmann::json::array();
            uint64_t below = 0;
            for (size_t i = 0; i < all.buckets.size(); ++i) {
                below += all.buckets[i];
                nlohmann::json le = i < healthcheck::StartDelays::kBounds.size()
                                        ? nlohmann::json(healthcheck::StartDelays::kBounds[i].count() / 1e6)
                                        : nlohmann::json("+Inf");
                buckets.push_back({{"le", le}, {"count", below}});
            }
            return {{"checkers", checkers.size()},
                    {"checks", checks},
                    {"failed", failed},
                    {"starts", all.starts},
                    {"late_starts", all.late},
                    {"start_delay_max_ms", all.max.count() / 1000.0},
                    {"start_delay_sum_s", all.sum.count() / 1e6},
                    {"start_delay_buckets", std::move(buckets)}};
        }
    };

    // Where a checker's reports go. Shared with the checker's listener, so a reload can hand the running
    // checker to the next membership by editing this instead of restarting the check.
    struct Slot {
        HealthMembership* owner;
        size_t vs, rs, ci;
    };
    struct Entry {
        std::shared_ptr<Checker> checker;
        std::shared_ptr<Slot> slot;
        bool running = false;
        // checker->describe(), made once: status shows it for every checker, and a status snapshot shares
        // it instead of formatting or copying 5,000 strings on the loop.
        std::shared_ptr<const std::string> what;
    };

    // prev's real servers by key, and where each one's checkers are in prev.entries_.
    struct PrevIndex {
        using RsKey = std::tuple<std::pair<std::string, ipvs::ServiceKey>, uint32_t, uint16_t>;
        std::map<RsKey, std::pair<size_t, size_t>> position;
        std::map<std::pair<size_t, size_t>, std::vector<size_t>> entries;
        PrevIndex() = default;
        explicit PrevIndex(const HealthMembership& prev) {
            for (size_t v = 0; v < prev.cfg_->virtual_servers.size(); ++v) {
                const auto& vs = prev.cfg_->virtual_servers[v];
                for (size_t r = 0; r < vs.real_servers.size(); ++r)
                    position[{vs.id(), vs.real_servers[r].address, vs.real_servers[r].port}] = {v, r};
            }
            for (size_t i = 0; i < prev.entries_.size(); ++i)
                if (const auto& s = prev.entries_[i].slot) entries[{s->vs, s->rs}].push_back(i);
        }
    };

    // Moves prev's checkers of the real server that (v, r) was, if its checks are defined the same way.
    bool take_over(HealthMembership& prev, const PrevIndex& index, size_t v, size_t r) {
        const auto& vs = cfg_->virtual_servers[v];
        const auto& rs = vs.real_servers[r];
        if (rs.checkers.empty()) return true;  // nothing to build either way
        auto at = index.position.find({vs.id(), rs.address, rs.port});
        if (at == index.position.end()) return false;
        auto [pv, pr] = at->second;
        const auto& pvs = prev.cfg_->virtual_servers[pv];
        if (!reload::same_checkers(*prev.cfg_, pvs, pvs.real_servers[pr], *cfg_, vs, rs)) return false;
        auto moved = index.entries.find({pv, pr});
        if (moved == index.entries.end() || moved->second.size() != rs.checkers.size()) return false;
        for (size_t i : moved->second) {
            Entry& e = prev.entries_[i];
            e.slot->owner = this;
            e.slot->vs = v;
            e.slot->rs = r;
            entries_.push_back(std::move(e));
            e = Entry{};
        }
        state_.carry(v, r, prev.state_, pv, pr);
        return true;
    }

    void settle_quorums(const HealthMembership& prev) {
        std::map<std::pair<std::string, ipvs::ServiceKey>, size_t> before;
        for (size_t pv = 0; pv < prev.cfg_->virtual_servers.size(); ++pv) before[prev.cfg_->virtual_servers[pv].id()] = pv;
        for (size_t v = 0; v < cfg_->virtual_servers.size(); ++v) {
            if (auto it = before.find(cfg_->virtual_servers[v].id()); it != before.end()) {
                if (auto q = state_.settle_quorum(v, prev.state_.quorum_up(it->second))) {
                    const auto& vs = cfg_->virtual_servers[v];
                    spdlog::warn("{}: quorum {} with the reloaded config (live weight {}, quorum {})", vs.name(),
                                 q->up ? "regained" : "lost", state_.live_weight(v), vs.quorum);
                    notify(q->up ? vs.quorum_up : vs.quorum_down);
                }
            }
        }
    }

    void on_report(size_t v, size_t r, size_t c, const Checker::Report& rep) {
        bool changed = state_.apply(v, r, c, rep);
        const auto& vs = cfg_->virtual_servers[v];
        const auto& rs = vs.real_servers[r];
        std::string who = vs.name() + " real_server " + ipvs::format_addr_port(rs.address, rs.port);
        if (!rep.last.ok) spdlog::debug("{}: check failed: {}", who, rep.last.reason);
        for (const auto& t : state_.take_transitions()) {
            if (on_transition) on_transition(who, t.up, rep.last.reason);
            if (t.up) {
                spdlog::info("{}: up ({})", who, rep.last.reason);
                notify(rs.notify_up);
            } else {
                spdlog::warn("{}: down, draining ({})", who, rep.last.reason);
                notify(rs.notify_down);
            }
        }
        if (!rep.up && state_.state(v, r) == RsState::Removed && changed)
            spdlog::warn("{}: removed after another failed check ({})", who, rep.last.reason);
        for (const auto& q : state_.take_quorum_changes()) {
            spdlog::warn("{}: quorum {} (live weight {}, quorum {}, hysteresis {}){}", vs.name(), q.up ? "regained" : "lost",
                         state_.live_weight(v), vs.quorum, vs.hysteresis,
                         vs.sorry_server ? (q.up ? ", sorry_server out" : ", sorry_server in") : "");
            notify(q.up ? vs.quorum_up : vs.quorum_down);
        }
        if (changed && on_change) on_change();
    }

    void notify(const std::string& line) {
        if (line.empty()) return;
        auto argv = host::split_command_line(line);
        if (!argv || argv->empty()) {
            spdlog::error("notify script '{}': unbalanced quotes", line);
            return;
        }
        auto policy = script_policy(cfg_->global);
        auto spec = script_spec(policy, *argv, policy.notify_timeout);
        host::run_process(io_, std::move(spec), [line](const host::ProcessResult& r) {
            if (!r.success()) spdlog::warn("notify script '{}': {}", line, r.describe());
        });
    }

    boost::asio::io_context& io_;
    std::shared_ptr<const config::Config> cfg_;  // the component's, shared
    MembershipState state_;
    std::vector<Entry> entries_;
};

}  // namespace

std::unique_ptr<director::Membership> make_membership(boost::asio::io_context& io,
                                                      std::shared_ptr<const config::Config> cfg) {
    if (!has_checkers(*cfg)) return nullptr;
    return std::make_unique<HealthMembership>(io, std::move(cfg));
}

std::unique_ptr<director::Membership> make_membership(boost::asio::io_context& io, const config::Config& cfg) {
    return make_membership(io, std::make_shared<const config::Config>(cfg));
}

}  // namespace director::lvs
