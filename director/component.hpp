#pragma once
// A part of the running daemon (the VRRP instances, the LVS reconciler + health checks). The Daemon owns
// the io_context and calls these on its thread only.
#include <functional>
#include <memory>
#include <string>
#include <nlohmann/json.hpp>

namespace director {

namespace config {
struct Config;
}
namespace reload {
struct ConfigDiff;
}

class Component {
public:
    virtual ~Component() = default;
    virtual void start() = 0;
    // Orderly shutdown (SIGTERM): finish what must be sent or removed, then call `done` exactly once.
    virtual void stop(std::function<void()> done) = 0;
    // A reload: `next` (validated) replaces the running config; `diff` says what differs from it. Whatever
    // is unchanged keeps running untouched (state, timers, counters).
    // `next` is shared (a config with thousands of real servers is large): keep the pointer, not a copy.
    virtual void apply(const std::shared_ptr<const config::Config>& next, const reload::ConfigDiff& diff) = 0;
    // `f` runs once what apply() (or start()) set in motion has taken effect; at once for components that
    // do everything inside apply().
    virtual void settled(std::function<void()> f) { f(); }
    // Merged into `director status --json`, under the component's own key.
    virtual nlohmann::json status() const = 0;
    // status() in two halves: the call takes on the loop what the document shows; the function it returns
    // builds the document from that alone, on any thread, even after the component is gone. Components
    // whose status is small build it at once; those with a part per real server copy plain values and
    // leave the JSON to the function, so a large document never holds the loop (VRRP adverts share it).
    using StatusBuilder = std::function<nlohmann::json()>;
    virtual StatusBuilder status_snapshot() const {
        return [j = status()] { return j; };
    }
    // A few words for systemd's STATUS= line ("VI_1 MASTER prio 110", "3/3 real servers up").
    virtual std::string summary() const { return ""; }
    virtual const char* name() const = 0;
};

}  // namespace director
