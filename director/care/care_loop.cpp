#include "director/care/care_loop.hpp"
#include "director/daemon_signals.hpp"

#include <cerrno>

#include <boost/asio/signal_set.hpp>
#include <functional>

#include <spdlog/spdlog.h>

#include "director/metrics/exposition.hpp"
#include "director/metrics/http_server.hpp"
#include "director/version.hpp"

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
    return kernel_.lookup(want_.key);
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
    for (const auto& [ep, r] : results) {
        counters_.probe_failures += r.healthy ? 0 : 1;
        last_healthy_[ep] = r.healthy;
    }
    try {
        // Read the table after probing: it may have changed while the probes ran.
        auto steps = plan_round(want_, current(), o_.rs, results);
        counters_.step_failures += static_cast<uint64_t>(apply_steps(kernel_, steps));
    } catch (const ipvs::KernelError& e) {
        ++counters_.kernel_errors;
        spdlog::error("reading the IPVS table: {}", e.what());
    }
    if (on_round) on_round();
    schedule_next();
}

std::string CareLoop::metrics_text() {
    using metrics::Exposition;
    using T = Exposition::Type;
    Exposition e;
    e.family("director_build_info", T::Gauge, "The running director's version; always 1.");
    e.sample({{"version", version()}, {"mode", "care"}}, 1);
    e.family("director_care_rounds_total", T::Counter, "Rounds completed (probe every real server, then fix the table).");
    e.sample({}, static_cast<double>(counters_.rounds));
    e.family("director_care_probe_failures_total", T::Counter, "Probes that found a real server unhealthy.");
    e.sample({}, static_cast<double>(counters_.probe_failures));
    e.family("director_care_ipvs_change_failures_total", T::Counter, "IPVS changes the kernel refused.");
    e.sample({}, static_cast<double>(counters_.step_failures));
    e.family("director_care_setup_failures_total", T::Counter, "Rounds whose node networking setup failed.");
    e.sample({}, static_cast<double>(counters_.setup_failures));
    e.family("director_care_kernel_errors_total", T::Counter, "Rounds that could not read the IPVS table.");
    e.sample({}, static_cast<double>(counters_.kernel_errors));
    if (network_) {
        const auto& n = network_->counters();
        e.family("director_care_helper_runs_total", T::Counter,
                 "Programs (iptables-save, iptables) link mode started; none in a quiet round.");
        e.sample({}, static_cast<double>(n.helper_runs));
        e.family("director_care_rule_checks_total", T::Counter,
                 "Rounds that read the iptables rules back, because nf_tables announced a change to our chains "
                 "(or cannot announce one).");
        e.sample({}, static_cast<double>(n.rule_checks));
    }
    std::optional<ipvs::ServiceState> svc;
    try {
        svc = current();
    } catch (const ipvs::KernelError&) {
        // Weights are left out of this scrape; the counter above says the table is unreadable.
    }
    metrics::Labels vs{{"virtual_server", format_endpoint(o_.vs)}};
    e.family("director_care_virtual_server_present", T::Gauge, "1 while the virtual server is in the kernel's table.");
    e.sample(vs, svc ? 1 : 0);
    for (const auto& rs : o_.rs) {
        metrics::Labels l = vs;
        l.push_back({"real_server", format_endpoint(rs)});
        if (auto it = last_healthy_.find(rs); it != last_healthy_.end()) {
            e.family("director_care_real_server_up", T::Gauge, "1 if the last probe of the real server passed.");
            e.sample(l, it->second ? 1 : 0);
        }
        if (!svc) continue;
        double weight = -1;
        for (const auto& d : svc->destinations)
            if (d.dest.address == rs.address && d.dest.port == rs.port) weight = d.dest.weight;
        e.family("director_care_real_server_in_table", T::Gauge, "1 while the real server is a destination of the service.");
        e.sample(l, weight >= 0 ? 1 : 0);
        if (weight >= 0) {
            e.family("director_care_real_server_weight", T::Gauge, "The real server's weight in the kernel's table.");
            e.sample(l, weight);
        }
    }
    return e.text();
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
        if (apply_steps(kernel, plan_setup(want, kernel.lookup(want.key), o.rs)) != 0) rc = 1;
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
        if (kernel.lookup(key)) {
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
    std::unique_ptr<metrics::HttpServer> metrics_server;
    if (!o.metrics_listen.empty()) {
        try {
            metrics_server = std::make_unique<metrics::HttpServer>(io, o.metrics_listen, [&loop] { return loop.metrics_text(); });
        } catch (const std::exception& e) {
            spdlog::error("--metrics-listen {}", e.what());
            return 1;
        }
    }
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
