#include "director/loop_lag.hpp"

#include <algorithm>

namespace director {

void LoopLag::record(Micros lag) {
    lag = std::max(lag, Micros(0));
    ++probes;
    max = std::max(max, lag);
    sum += lag;
    size_t i = 0;
    while (i < kBounds.size() && lag > kBounds[i]) ++i;
    ++buckets[i];
}

nlohmann::json LoopLag::to_json() const {
    // Cumulative, as Prometheus' histogram buckets are.
    nlohmann::json out = nlohmann::json::array();
    uint64_t below = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
        below += buckets[i];
        nlohmann::json le = i < kBounds.size() ? nlohmann::json(kBounds[i].count() / 1e6) : nlohmann::json("+Inf");
        out.push_back({{"le", le}, {"count", below}});
    }
    return {{"probes", probes}, {"max_lag_ms", max.count() / 1000.0}, {"lag_sum_s", sum.count() / 1e6},
            {"lag_buckets", std::move(out)}};
}

void LoopLagProbe::start() {
    if (running_) return;
    running_ = true;
    timer_.expires_after(period_);
    arm();
}

void LoopLagProbe::stop() {
    running_ = false;
    timer_.cancel();
}

void LoopLagProbe::arm() {
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || !running_) return;
        auto due = timer_.expiry();
        lag_.record(std::chrono::duration_cast<LoopLag::Micros>(std::chrono::steady_clock::now() - due));
        // The next one is due a period after this one ran, not after it was due: a long hold counts once,
        // not once per period it covered.
        timer_.expires_after(period_);
        arm();
    });
}

nlohmann::json LoopLagProbe::status() const {
    auto j = lag_.to_json();
    j["probe_period_ms"] = period_.count();
    return j;
}

}  // namespace director
