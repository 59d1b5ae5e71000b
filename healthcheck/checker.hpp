#pragma once
// The checker base: scheduling (delay_loop, start jitter), the exchange deadline, retries
// (retry, delay_before_retry) and rise/fall hysteresis. Protocols (TCP, HTTP/TLS, exec) only implement
// one exchange and report its result; everything about *when* and *what it means* lives here.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "healthcheck/start_delay.hpp"

namespace healthcheck {

using Millis = std::chrono::milliseconds;

struct Policy {
    Millis interval{60000};          // delay_loop: from the end of one check to the start of the next
    Millis timeout{5000};            // connect_timeout / misc_timeout: the whole exchange must finish in it
    unsigned retry = 1;              // failed attempts retried before the check counts as failed
    Millis delay_before_retry{1000};
    unsigned rise = 1;               // consecutive passed checks to go up
    unsigned fall = 1;               // consecutive failed checks to go down
    Millis warmup{0};                // first check at a random point in [0, warmup] so checks spread out
    bool start_up = true;            // false: `alpha`, down until the first success
};

struct CheckResult {
    bool ok = false;
    std::string reason;              // "HTTP 200", "connection refused", "timeout during tls handshake", ...
    std::chrono::microseconds latency{0};
    std::optional<int> weight;       // misc_dynamic: the weight the script asked for
    bool tls_resumed = false;        // the TLS session of a previous check was reused
    bool connection_reused = false;  // keep-alive: ran over the connection of a previous check
    bool kernel_tls = false;         // the connection kept for the next check has its TLS records in the kernel
};

inline CheckResult passed(std::string reason) {
    CheckResult r;
    r.ok = true;
    r.reason = std::move(reason);
    return r;
}
inline CheckResult failed(std::string reason) {
    CheckResult r;
    r.reason = std::move(reason);
    return r;
}

// The pure decision logic, driven by results; time is only ever an output (the delay before the next
// check), so rise/fall/retry sequences are unit-testable without a clock.
class CheckState {
public:
    explicit CheckState(const Policy& p) : p_(p), up_(p.start_up), retries_left_(p.retry) {}

    struct Step {
        Millis next_in;   // when to run the next exchange
        bool counted;     // false: a retry was scheduled, the check is not decided yet
        bool changed;     // up() flipped with this result
    };
    Step on_result(bool ok);

    bool up() const { return up_; }
    const Policy& policy() const { return p_; }

private:
    Policy p_;
    bool up_;
    unsigned retries_left_;
    unsigned ok_run_ = 0, fail_run_ = 0;
};

class Checker : public std::enable_shared_from_this<Checker> {
public:
    struct Report {
        bool up;
        bool changed;
        CheckResult last;
    };
    using Listener = std::function<void(const Report&)>;

    Checker(boost::asio::io_context& io, Policy p);
    virtual ~Checker() = default;
    Checker(const Checker&) = delete;
    Checker& operator=(const Checker&) = delete;

    // Schedules the first check after a random delay in [0, warmup]. The listener runs after every
    // counted check (retries are not reported), on the io_context.
    void start(Listener listener);
    // Cancels pending work; no report is made after stop() returns.
    void stop();

    bool up() const { return state_.up(); }
    const std::optional<CheckResult>& last() const { return last_; }
    const Policy& policy() const { return state_.policy(); }
    uint64_t checks_done() const { return checks_; }
    uint64_t checks_failed() const { return failed_; }  // of checks_done()
    // How late each exchange (check or retry) started after it was due; see start_delay.hpp.
    const StartDelays& start_delays() const { return start_delays_; }
    virtual std::string describe() const = 0;  // "HTTP_GET 10.0.0.1:443" for logs and status

    // Checks start on a grid of slots (timer_slot()): `due` rounded up to the next slot boundary, so that
    // checks due within one slot start together, in one wakeup of the loop instead of one each. At
    // thousands of servers the loop's wakeups (a context switch each), not the checks' own work, were
    // most of the CPU. A slot is 1/64 of delay_loop, at most 500 ms: no check moves by more than that.
    static std::chrono::steady_clock::time_point on_slot(std::chrono::steady_clock::time_point due, Millis slot);
    Millis timer_slot() const;

protected:
    using Done = std::function<void(CheckResult)>;
    // Runs one exchange and calls `done` once. The base enforces the deadline: when it expires, abort()
    // is called and a late `done` is ignored.
    virtual void exchange(Done done) = 0;
    // Stop the current exchange at once (close sockets). Called on deadline and on stop().
    virtual void abort() {}
    // How long one exchange may take; defaults to policy().timeout.
    virtual Millis deadline() const { return policy().timeout; }
    // Names the phase the exchange is in, for the timeout reason ("connect", "tls handshake", ...).
    void set_phase(const char* phase) { phase_ = phase; }

    boost::asio::io_context& io_;

private:
    void schedule(Millis after);
    void run_once();
    void finish(uint64_t generation, CheckResult r);

    CheckState state_;  // holds the policy
    // The next check's start, or the current exchange's deadline. Bound to the io_context's own executor
    // rather than the type-erased one steady_timer carries: 40 bytes less on each of thousands of checkers.
    boost::asio::basic_waitable_timer<std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>,
                                      boost::asio::io_context::executor_type>
        timer_;
    Listener listener_;
    std::optional<CheckResult> last_;
    const char* phase_ = "check";
    uint64_t generation_ = 0;  // identifies the current exchange; stale completions are dropped
    bool running_ = false;
    bool in_exchange_ = false;
    uint64_t checks_ = 0, failed_ = 0;
    StartDelays start_delays_;
    std::chrono::steady_clock::time_point started_;
    std::minstd_rand rng_;
};

}  // namespace healthcheck
