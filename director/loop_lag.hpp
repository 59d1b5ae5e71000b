#pragma once
// How long the event loop went without running its timers: a probe timer due every `period` records how
// late its handler ran. The lateness is time the loop spent inside one handler (building a large reply, a
// reload's apply) or waiting for a CPU, and VRRP adverts and health-check timers, which share the loop,
// were held up as long. A hold longer than `period` is always seen (as at least hold - period); a
// shorter one only when the probe fell due during it.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace director {

struct LoopLag {
    using Micros = std::chrono::microseconds;
    // Upper bounds of the histogram buckets (Prometheus "le"); the last bucket, +Inf, is implied.
    static constexpr std::array<Micros, 10> kBounds{Micros(1000),   Micros(2000),   Micros(5000),  Micros(10000),
                                                    Micros(20000),  Micros(50000),  Micros(100000), Micros(200000),
                                                    Micros(500000), Micros(1000000)};
    uint64_t probes = 0;
    Micros max{0}, sum{0};
    std::array<uint64_t, kBounds.size() + 1> buckets{};  // not cumulative; the last one is +Inf

    void record(Micros lag);
    // {"probes", "max_lag_ms", "lag_sum_s", "lag_buckets": cumulative [{"le", "count"}]}.
    nlohmann::json to_json() const;
};

class LoopLagProbe {
public:
    LoopLagProbe(boost::asio::io_context& io, std::chrono::milliseconds period) : timer_(io), period_(period) {}
    void start();
    void stop();
    const LoopLag& lag() const { return lag_; }
    nlohmann::json status() const;

private:
    void arm();
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds period_;
    LoopLag lag_;
    bool running_ = false;
};

}  // namespace director
