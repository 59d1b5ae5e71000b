#pragma once
// The care daemon: every --interval, probe all real servers at once, then bring the one virtual server
// this instance owns in line (plan.hpp). Nothing else in the IPVS table is touched.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "director/care/network.hpp"
#include "director/care/options.hpp"
#include "director/care/prober.hpp"
#include "director/ipvs/kernel.hpp"

namespace director::care {

struct CareCounters {
    uint64_t rounds = 0, probe_failures = 0, step_failures = 0, setup_failures = 0, kernel_errors = 0;
};

class CareLoop {
public:
    // `network` may be null (unit tests: no node networking).
    CareLoop(boost::asio::io_context& io, const Options& o, ipvs::Kernel& kernel, Network* network);

    void start();  // first round now, then one every --interval (a late round never shifts the next ones)
    void stop();
    const CareCounters& counters() const { return counters_; }
    // /metrics: the counters, and per real server the last probe's verdict and the kernel's weight now.
    std::string metrics_text();
    // Called after each round completes (tests wait on this).
    std::function<void()> on_round;

private:
    void round();
    void finish_round(Prober::Results results);
    void schedule_next();
    std::optional<ipvs::ServiceState> current();

    boost::asio::io_context& io_;
    const Options& o_;
    ipvs::Kernel& kernel_;
    Network* network_;
    Prober prober_;
    boost::asio::steady_timer timer_;
    std::chrono::steady_clock::time_point next_;
    ipvs::Service want_;
    bool stopped_ = false;
    CareCounters counters_;
    std::map<Endpoint, bool> last_healthy_;  // the last round's verdicts
};

// --run-once: network and service with every --rs, no probes. 0 on success, 1 if anything failed.
int care_run_once(const Options& o, ipvs::Kernel& kernel, Network& network);
// -C: the service and this mode's network pieces removed; nothing else.
int care_clean(const Options& o, ipvs::Kernel& kernel, Network& network);
// The daemon until SIGTERM/SIGINT, which leave every rule in place for the next instance to adopt.
int care_daemon(const Options& o, ipvs::Kernel& kernel, Network& network);

}  // namespace director::care
