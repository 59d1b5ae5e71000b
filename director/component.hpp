#pragma once
// A part of the running daemon (the VRRP instances, the LVS reconciler + health checks). The Daemon owns
// the io_context and calls these on its thread only.
#include <functional>
#include <nlohmann/json.hpp>

namespace director {

class Component {
public:
    virtual ~Component() = default;
    virtual void start() = 0;
    // Orderly shutdown (SIGTERM): finish what must be sent or removed, then call `done` exactly once.
    virtual void stop(std::function<void()> done) = 0;
    // Merged into `director status --json`, under the component's own key.
    virtual nlohmann::json status() const = 0;
    virtual const char* name() const = 0;
};

}  // namespace director
