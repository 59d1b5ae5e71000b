#pragma once
// Factories the Daemon calls to build its parts from a validated config. Each returns nullptr when the
// config has nothing for it (no vrrp_instance, no virtual_server).
#include <boost/asio/io_context.hpp>
#include <memory>

#include "director/component.hpp"
#include "director/config/model.hpp"
#include "director/events/event_log.hpp"
#include "director/instance_states.hpp"
#include "director/ipvs_availability.hpp"
#include "director/state/state_store.hpp"

namespace director {

struct RunOptions {
    bool keep_ipvs_on_exit = false;  // --keep-ipvs: leave owned IPVS rules in place on a clean stop
    // Shared by the LVS component (publishes) and the VRRP component (FAULTs the instances whose VIP is
    // a virtual server's address while IPVS is unavailable). Null: no link (tests of one component).
    std::shared_ptr<IpvsAvailability> ipvs;
    // VRRP publishes each instance's state, LVS follows the one lvs_sync_daemon names. Null: no link.
    std::shared_ptr<InstanceStates> instance_states;
    // Maintenance and hand drains that survive a restart (`--state-dir`). Null: nothing persisted.
    std::shared_ptr<state::StateStore> state;
    // The event history `director events` shows (and mail alerts read). Null: not recorded.
    std::shared_ptr<events::EventLog> events;
};

// VRRP instances, their track scripts and notify scripts.
std::unique_ptr<Component> make_vrrp_component(boost::asio::io_context& io, const config::Config& cfg,
                                               const RunOptions& opts);
// static_ipaddress, static_routes, static_rules.
std::unique_ptr<Component> make_static_network_component(boost::asio::io_context& io, const config::Config& cfg,
                                                         const RunOptions& opts);
// IPVS reconciler plus the health checks that drive real-server membership.
// It keeps `cfg` (shared, not copied) while it runs.
std::unique_ptr<Component> make_lvs_component(boost::asio::io_context& io, std::shared_ptr<const config::Config> cfg,
                                              const RunOptions& opts);

}  // namespace director
