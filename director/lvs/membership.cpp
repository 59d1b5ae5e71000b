#include "director/lvs/membership.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "director/config/values.hpp"
#include "director/script_policy.hpp"
#include "healthcheck/exec_checker.hpp"
#include "healthcheck/http_checker.hpp"
#include "healthcheck/process.hpp"
#include "healthcheck/tcp_checker.hpp"

namespace director::lvs {

using healthcheck::Checker;
using Millis = std::chrono::milliseconds;
// notify_up/down and quorum_up/down: a hung script is killed with its process group after this.
constexpr Millis kNotifyTimeout{60000};

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
    update_quorum(vs);
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
    p.interval = Millis(c.delay_loop_ms.value_or(vs.delay_loop_ms));
    p.retry = c.retry.value_or(c.kind == "MISC_CHECK" ? 0 : 1);
    p.delay_before_retry = Millis(c.delay_before_retry_ms.value_or(1000));
    p.rise = c.rise;
    p.fall = c.fall;
    p.start_up = !vs.alpha;
    // Spread the first checks of many servers over up to 2 s instead of firing them all at once.
    p.warmup = Millis(c.warmup_ms.value_or(std::min<long long>(p.interval.count(), 2000)));

    if (c.kind == "MISC_CHECK") {
        p.timeout = Millis(c.misc_timeout_ms.value_or(p.interval.count()));
        auto policy = script_policy(cfg.global, c.user.value_or(""), c.group.value_or(""));
        return std::make_shared<healthcheck::ExecChecker>(
            io, p, healthcheck::ExecTarget{c.misc_argv, policy.user, policy.group, c.misc_dynamic, policy.secure});
    }
    p.timeout = Millis(c.connect_timeout_ms.value_or(5000));
    healthcheck::TcpTarget t;
    t.endpoint = {v4(c.connect_ip.value_or(rs.address)), c.connect_port.value_or(rs.port)};
    if (c.bindto || c.bind_port)
        t.bindto = boost::asio::ip::tcp::endpoint(v4(c.bindto.value_or(0)), c.bind_port.value_or(0));
    if (c.kind == "TCP_CHECK") return std::make_shared<healthcheck::TcpChecker>(io, p, t);

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
    h.virtualhost = c.virtualhost.empty() ? vs.virtualhost : c.virtualhost;
    h.protocol = c.http_protocol;
    if (c.kind == "SSL_GET") {
        if (!tls) return std::make_shared<BrokenChecker>(io, p, "SSL_GET " + config::format_ipv4(rs.address), "no TLS context");
        h.tls = tls;
        h.enable_sni = c.enable_sni;
        h.sni_name = c.sni_name;
    }
    return std::make_shared<healthcheck::HttpChecker>(io, p, std::move(h));
}

namespace {

class HealthMembership final : public director::Membership {
public:
    HealthMembership(boost::asio::io_context& io, const config::Config& cfg) : io_(io), cfg_(cfg), state_(cfg) {
        std::shared_ptr<healthcheck::TlsClient> tls;
        std::string tls_error;
        bool need_tls = false;
        for (const auto& vs : cfg_.virtual_servers)
            for (const auto& rs : vs.real_servers)
                for (const auto& c : rs.checkers) need_tls |= c.kind == "SSL_GET";
        if (need_tls) {
            healthcheck::TlsOptions o;
            if (cfg_.ssl) o = {cfg_.ssl->ca, cfg_.ssl->certificate, cfg_.ssl->key};
            try {
                tls = std::make_shared<healthcheck::TlsClient>(o);
            } catch (const std::exception& e) {
                tls_error = e.what();
                spdlog::error("SSL_GET checks cannot run: {}", tls_error);
            }
        }
        for (size_t v = 0; v < cfg_.virtual_servers.size(); ++v) {
            const auto& vs = cfg_.virtual_servers[v];
            for (size_t r = 0; r < vs.real_servers.size(); ++r) {
                for (size_t c = 0; c < vs.real_servers[r].checkers.size(); ++c) {
                    Entry e{v, r, c, nullptr};
                    if (vs.real_servers[r].checkers[c].kind == "SSL_GET" && !tls) {
                        healthcheck::Policy p;
                        p.interval = Millis(vs.delay_loop_ms);
                        p.start_up = !vs.alpha;
                        e.checker = std::make_shared<BrokenChecker>(io_, p, "SSL_GET", "SSL: " + tls_error);
                    } else {
                        e.checker = make_checker(io_, cfg_, v, r, c, tls);
                    }
                    entries_.push_back(std::move(e));
                }
            }
        }
    }
    ~HealthMembership() override { stop(); }

    void start() override {
        for (auto& e : entries_) {
            size_t v = e.vs, r = e.rs, c = e.ci;
            e.checker->start([this, v, r, c](const Checker::Report& rep) { on_report(v, r, c, rep); });
        }
    }
    void stop() override {
        for (auto& e : entries_) e.checker->stop();
    }
    RealServerDecision decide(size_t vs, size_t rs, int32_t w) const override { return state_.decide(vs, rs, w); }
    bool use_sorry_server(size_t vs) const override { return state_.use_sorry_server(vs); }

    nlohmann::json status() const override {
        nlohmann::json out = nlohmann::json::array();
        size_t next = 0;
        for (size_t v = 0; v < cfg_.virtual_servers.size(); ++v) {
            const auto& vs = cfg_.virtual_servers[v];
            nlohmann::json rss = nlohmann::json::array();
            for (size_t r = 0; r < vs.real_servers.size(); ++r) {
                const auto& rs = vs.real_servers[r];
                auto d = state_.decide(v, r, rs.weight);
                nlohmann::json checks = nlohmann::json::array();
                for (size_t c = 0; c < rs.checkers.size(); ++c, ++next) {
                    const auto& ch = *entries_[next].checker;
                    nlohmann::json cj{{"check", ch.describe()}, {"up", ch.up()}, {"checks", ch.checks_done()}};
                    if (const auto& last = ch.last()) {
                        cj["last"] = {{"ok", last->ok},
                                      {"reason", last->reason},
                                      {"latency_ms", last->latency.count() / 1000.0},
                                      {"tls_resumed", last->tls_resumed}};
                    }
                    checks.push_back(std::move(cj));
                }
                nlohmann::json rj{{"address", ipvs::format_addr_port(rs.address, rs.port)},
                                  {"state", to_string(state_.state(v, r))},
                                  {"in_table", d.present},
                                  {"weight", d.weight},
                                  {"configured_weight", rs.weight},
                                  {"checkers", std::move(checks)}};
                if (auto dw = state_.dynamic_weight(v, r)) rj["dynamic_weight"] = *dw;
                rss.push_back(std::move(rj));
            }
            out.push_back({{"virtual_server", vs.name()},
                           {"quorum", vs.quorum},
                           {"hysteresis", vs.hysteresis},
                           {"live_weight", state_.live_weight(v)},
                           {"quorum_up", state_.quorum_up(v)},
                           {"sorry_server_active", state_.use_sorry_server(v)},
                           {"real_servers", std::move(rss)}});
        }
        return out;
    }

private:
    struct Entry {
        size_t vs, rs, ci;
        std::shared_ptr<Checker> checker;
    };

    void on_report(size_t v, size_t r, size_t c, const Checker::Report& rep) {
        bool changed = state_.apply(v, r, c, rep);
        const auto& vs = cfg_.virtual_servers[v];
        const auto& rs = vs.real_servers[r];
        std::string who = vs.name() + " real_server " + ipvs::format_addr_port(rs.address, rs.port);
        if (!rep.last.ok) spdlog::debug("{}: check failed: {}", who, rep.last.reason);
        for (const auto& t : state_.take_transitions()) {
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
        auto argv = healthcheck::split_command_line(line);
        if (!argv || argv->empty()) {
            spdlog::error("notify script '{}': unbalanced quotes", line);
            return;
        }
        auto spec = script_spec(script_policy(cfg_.global), *argv, kNotifyTimeout);
        healthcheck::run_process(io_, std::move(spec), [line](const healthcheck::ProcessResult& r) {
            if (!r.success()) spdlog::warn("notify script '{}': {}", line, r.describe());
        });
    }

    boost::asio::io_context& io_;
    config::Config cfg_;
    MembershipState state_;
    std::vector<Entry> entries_;
};

}  // namespace

std::unique_ptr<director::Membership> make_membership(boost::asio::io_context& io, const config::Config& cfg) {
    bool any = false;
    for (const auto& vs : cfg.virtual_servers)
        for (const auto& rs : vs.real_servers) any |= !rs.checkers.empty();
    if (!any) return nullptr;
    return std::make_unique<HealthMembership>(io, cfg);
}

}  // namespace director::lvs
