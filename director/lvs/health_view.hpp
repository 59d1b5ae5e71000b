#pragma once
// What health checking decides about real servers, as the IPVS reconciler consumes it. The health-check
// work implements HealthSource (membership); the IPVS work's reconciler reads it and applies decisions.
// Indices are positions in Config::virtual_servers and their real_server lists.
#include <cstddef>
#include <cstdint>
#include <functional>

namespace director::lvs {

struct RealServerDecision {
    bool present = true;   // false: not in the kernel table at all
    int32_t weight = 1;    // 0 while draining or inhibited
};

class HealthSource {
public:
    virtual ~HealthSource() = default;
    virtual RealServerDecision decide(size_t vs, size_t rs, int32_t configured_weight) const = 0;
    // Below quorum the sorry_server replaces the real servers.
    virtual bool use_sorry_server(size_t vs) const = 0;
    // The reconciler sets this; membership calls it whenever a decision changed, so the change is applied
    // at once instead of at the next delay_loop.
    std::function<void()> on_change;
};

// Real servers without checkers, or a config without health checks: always in service.
class AlwaysUp final : public HealthSource {
public:
    RealServerDecision decide(size_t, size_t, int32_t w) const override { return {true, w}; }
    bool use_sorry_server(size_t) const override { return false; }
};

}  // namespace director::lvs
