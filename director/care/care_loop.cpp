#include "director/care/care_loop.hpp"
#include "director/daemon_signals.hpp"

#include <cerrno>

#include <boost/asio/signal_set.hpp>
#include <functional>

#include <spdlog/spdlog.h>

namespace director::care {

CareLoop::CareLoop(boost::asio::io_context& io, const Options& o, ipvs::Kernel& kernel, Network* network)
    : io_(io), o_(o), kernel_(kernel), network_(network), prober_(io, o.probe), timer_(io),
      want_(desired_service(o.vs, o.scheduler)) {}

void CareLoop::start() {
    next_ = std::chrono::steady_clock::now();
    round();
}

void CareLoop::stop() {
    stopped_ = true;
    timer_.cancel();
}

std::optional<ipvs::ServiceState> CareLoop::current() {
    return find_service(kernel_.list(), want_.key);
}

void CareLoop::round() {
    if (stopped_) return;
    next_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(o_.interval);
    if (network_) {
        try {
            network_->ensure();
        } catch (const std::exception& e) {
            ++counters_.setup_failures;
            spdlog::error("setting up {} mode: {}", o_.mode == Mode::Link ? "link" : "route", e.what());
        }
    }
    // Probes must be answered before the next round is due, whatever --health-timeout says.
    auto budget = std::chrono::duration_cast<std::chrono::nanoseconds>(next_ - std::chrono::steady_clock::now());
    if (budget < std::chrono::milliseconds(50)) budget = std::chrono::milliseconds(50);
    prober_.probe_all(o_.rs, budget, [this](Prober::Results r) { finish_round(std::move(r)); });
}

void CareLoop::finish_round(Prober::Results results) {
    if (stopped_) return;
    ++counters_.rounds;
    for (const auto& [ep, r] : results) counters_.probe_failures += r.healthy ? 0 : 1;
    try {
        // Read the table after probing: it may have changed while the probes ran.
        auto steps = plan_round(want_, current(), o_.rs, results);
        counters_.step_failures += static_cast<uint64_t>(apply_steps(kernel_, want_.key, steps));
    } catch (const ipvs::KernelError& e) {
        ++counters_.kernel_errors;
        spdlog::error("reading the IPVS table: {}", e.what());
    }
    if (on_round) on_round();
    schedule_next();
}

void CareLoop::schedule_next() {
    if (stopped_) return;
    auto now = std::chrono::steady_clock::now();
    if (next_ < now) next_ = now;  // we fell behind (suspend, slow kernel): resume from now, no burst
    timer_.expires_at(next_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) round();
    });
}

int care_run_once(const Options& o, ipvs::Kernel& kernel, Network& network) {
    int rc = 0;
    try {
        network.ensure();
    } catch (const std::exception& e) {
        spdlog::error("setting up {} mode: {}", o.mode == Mode::Link ? "link" : "route", e.what());
        rc = 1;
    }
    auto want = desired_service(o.vs, o.scheduler);
    try {
        if (apply_steps(kernel, want.key, plan_setup(want, find_service(kernel.list(), want.key), o.rs)) != 0) rc = 1;
    } catch (const ipvs::KernelError& e) {
        spdlog::error("IPVS: {}", e.what());
        rc = 1;
    }
    return rc;
}

int care_clean(const Options& o, ipvs::Kernel& kernel, Network& network) {
    int rc = 0;
    auto key = desired_service(o.vs, o.scheduler).key;
    try {
        if (find_service(kernel.list(), key)) {
            spdlog::info("Deleting virtual server {}", format_endpoint(o.vs));
            kernel.del_service(key);
        }
    } catch (const ipvs::KernelError& e) {
        if (e.err != ESRCH && e.err != ENOENT) {
            spdlog::error("deleting virtual server {}: {}", format_endpoint(o.vs), e.what());
            rc = 1;
        }
    }
    try {
        network.clean();
    } catch (const std::exception& e) {
        spdlog::error("cleaning {} mode: {}", o.mode == Mode::Link ? "link" : "route", e.what());
        rc = 1;
    }
    return rc;
}

int care_daemon(const Options& o, ipvs::Kernel& kernel, Network& network) {
    boost::asio::io_context io;
    CareLoop loop(io, o, kernel, &network);
    // The same signal table as `director run`: a stray SIGHUP or SIGPIPE must not end the node's load
    // balancer; only the stop signals do, and they leave the rules in place.
    boost::asio::signal_set signals(io);
    catch_daemon_signals(signals);
    std::function<void()> wait = [&] {
        signals.async_wait([&](boost::system::error_code ec, int sig) {
            if (ec) return;
            const auto name = signal_name(sig);
            switch (daemon_signal_action(sig)) {
                case SignalAction::Stop:
                    spdlog::info("received {}, exiting and leaving the rules in place", name);
                    loop.stop();
                    io.stop();
                    return;
                case SignalAction::Reload:
                    spdlog::info("received {}: care mode has no config file to reload; flags are read at start", name);
                    break;
                case SignalAction::DumpStatus:
                case SignalAction::DumpCounters: {
                    const auto& c = loop.counters();
                    spdlog::info("received {}: {} rounds, {} failed probes, {} failed IPVS changes, {} setup errors",
                                 name, c.rounds, c.probe_failures, c.step_failures, c.setup_failures);
                    break;
                }
                case SignalAction::Ignore:
                    spdlog::warn("received {}: ignored", name);
                    break;
            }
            wait();
        });
    };
    wait();
    spdlog::info("care: virtual server {} ({}), {} real servers, {} mode, interval {}ms", format_endpoint(o.vs),
                 o.scheduler, o.rs.size(), o.mode == Mode::Link ? "link" : "route",
                 std::chrono::duration_cast<std::chrono::milliseconds>(o.interval).count());
    loop.start();
    io.run();
    const auto& c = loop.counters();
    spdlog::info("care: {} rounds, {} failed probes, {} failed IPVS changes, {} setup errors", c.rounds,
                 c.probe_failures, c.step_failures, c.setup_failures);
    return 0;
}

}  // namespace director::care
