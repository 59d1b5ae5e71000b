#pragma once
// The daemon's event loop. Asio lets an exception thrown by a handler leave io_context::run(); in a
// daemon that holds a VIP that would mean exiting without the priority-0 advert, so the loop reports the
// exception and carries on with the next handler (Asio documents re-entering run() as safe).
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace director {

// Runs `io` until it is stopped or out of work. Each exception that escapes a handler is passed to
// `on_error` (its what(), or "unknown exception") and the loop resumes.
void run_guarded(boost::asio::io_context& io, const std::function<void(const std::string&)>& on_error);

// How many errors fell within a window that starts at the first error after a quiet spell: the daemon
// carries on after one, but a steady stream means the loop is not recovering.
class ErrorBurst {
public:
    using Clock = std::chrono::steady_clock;
    explicit ErrorBurst(Clock::duration window) : window_(window) {}
    // Records an error at `now`; returns the count in the current window, this one included.
    unsigned note(Clock::time_point now);

private:
    Clock::duration window_;
    Clock::time_point start_{};
    unsigned count_ = 0;
};

}  // namespace director
