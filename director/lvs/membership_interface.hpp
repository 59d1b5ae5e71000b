#pragma once
// The seam between the LVS component and whatever decides real-server membership (health checks, in
// lvs/membership): the component owns one, the membership code implements it, and neither includes the
// other.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "director/config/model.hpp"
#include "director/lvs/health_view.hpp"

namespace director {

// Health-check membership plugs in here. It is a HealthSource with a lifecycle of its own: started after
// the first reconcile, stopped before owned rules are removed; it calls HealthSource::on_change (set by
// the component) whenever a decision changed.
class Membership : public lvs::HealthSource {
public:
    virtual void start() = 0;
    virtual void stop() = 0;
    virtual nlohmann::json status() const = 0;
    // Daemon-wide figures over every running checker: checks done and how late they started
    // (healthcheck/start_delay.hpp), for `director status` and the metrics.
    virtual nlohmann::json health_checks() const = 0;
    // status() and health_checks() in two halves, so a large document is not built on the event loop:
    // the call copies on the loop what they show (plain values); the function it returns builds both
    // from that copy alone, on any thread, any time later, even after this membership is gone.
    struct StatusParts {
        nlohmann::json membership, health_checks;
    };
    virtual std::function<StatusParts()> status_snapshot() const = 0;
    // The membership for the config a reload brings. Real servers whose health checks are defined as
    // before keep their running checker and its verdict; the rest start afresh at start(). Null when
    // `next` has no checks. The caller then destroys this one, which stops whatever it still runs.
    virtual std::unique_ptr<Membership> reload(const std::shared_ptr<const config::Config>& next) = 0;
    // Set by the component: a real server came up (`up`) or went down, and why (the event history).
    std::function<void(const std::string& who, bool up, const std::string& reason)> on_transition;
};
using MembershipFactory =
    std::function<std::unique_ptr<Membership>(boost::asio::io_context&, const std::shared_ptr<const config::Config>&)>;

}  // namespace director
