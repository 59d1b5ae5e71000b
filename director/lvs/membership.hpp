#pragma once
// Real-server membership decided by health checks, as the IPVS reconciler consumes it (HealthSource).
//
// A real server is up when every one of its checkers passes. When one fails (after its retries) the
// server is drained at once (weight 0: established connections finish, new ones go elsewhere); at the
// next failed check it is removed, unless inhibit_on_failure keeps it at weight 0. When all checkers
// pass again it returns with its configured weight (or the weight a misc_dynamic script asked for).
// `alpha` starts servers down until their first success. Below `quorum` (sum of live weights, with
// `hysteresis`) the virtual_server's sorry_server replaces the real servers.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "director/config/model.hpp"
#include "director/lvs/health_view.hpp"
#include "director/lvs/membership_interface.hpp"
#include "healthcheck/checker.hpp"
#include "healthcheck/tls_client.hpp"

namespace director::lvs {

enum class RsState { Up, Draining, Removed };
const char* to_string(RsState s);

// The decisions alone, fed with checker reports; no clock, no sockets (unit-testable).
class MembershipState {
public:
    explicit MembershipState(const config::Config& cfg);

    // A counted check result of checker `ci` of real server (vs, rs). Returns true when a decision the
    // reconciler sees (presence, weight, sorry server) changed.
    bool apply(size_t vs, size_t rs, size_t ci, const healthcheck::Checker::Report& r);

    RealServerDecision decide(size_t vs, size_t rs, int32_t configured_weight) const;
    bool use_sorry_server(size_t vs) const;

    // What changed with the last apply(), for notify scripts and logs.
    struct Transition {
        size_t vs, rs;
        bool up;  // true: came up; false: went down (drained)
    };
    struct QuorumChange {
        size_t vs;
        bool up;
    };
    // A reload kept real server (old_vs, old_rs) of `old` as (vs, rs) here with the same health checks:
    // it takes over their verdicts (a failed server stays out, a healthy one stays in without a new rise
    // count). Its weight and inhibit_on_failure are this config's.
    void carry(size_t vs, size_t rs, const MembershipState& old, size_t old_vs, size_t old_rs);
    // After the carries of a kept virtual server: start from its quorum state before the reload and
    // apply this config's quorum and hysteresis to it. Returns the change, if any.
    std::optional<QuorumChange> settle_quorum(size_t vs, bool quorum_up_before);

    std::vector<Transition> take_transitions() { return std::move(transitions_); }
    std::vector<QuorumChange> take_quorum_changes() { return std::move(quorum_changes_); }

    RsState state(size_t vs, size_t rs) const { return vss_[vs].rss[rs].state; }
    std::optional<int> dynamic_weight(size_t vs, size_t rs) const { return vss_[vs].rss[rs].dynamic_weight; }
    bool quorum_up(size_t vs) const { return vss_[vs].quorum_up; }
    int64_t live_weight(size_t vs) const;

private:
    struct Rs {
        std::vector<bool> checker_up;
        RsState state = RsState::Up;
        bool inhibit = false;
        int32_t weight = 1;
        std::optional<int> dynamic_weight;
        bool all_up() const;
    };
    struct Vs {
        std::vector<Rs> rss;
        int quorum = 1, hysteresis = 0;
        bool has_sorry = false;
        bool quorum_up = true;
    };
    void update_quorum(size_t vs);
    int32_t effective_weight(const Rs& r) const;

    std::vector<Vs> vss_;
    std::vector<Transition> transitions_;
    std::vector<QuorumChange> quorum_changes_;
};

// Builds a checker for one CheckerConf of (vs, rs). Exposed so tests and benchmarks build checkers
// exactly as the daemon does. `tls` is the shared client context (null without SSL_GET).
std::shared_ptr<healthcheck::Checker> make_checker(boost::asio::io_context& io, const config::Config& cfg, size_t vs,
                                                   size_t rs, size_t ci,
                                                   const std::shared_ptr<healthcheck::TlsClient>& tls);

// The daemon's membership: MembershipState driven by real checkers, plus notify scripts and status.
// Returns null when no real server has a checker (then everything is simply in service).
// The membership keeps `cfg` (shared, not copied) while it runs.
std::unique_ptr<director::Membership> make_membership(boost::asio::io_context& io,
                                                      std::shared_ptr<const config::Config> cfg);
// The same from a config of the caller's, copied (tests).
std::unique_ptr<director::Membership> make_membership(boost::asio::io_context& io, const config::Config& cfg);

}  // namespace director::lvs
