#pragma once
// Runs an io_context until a condition holds: a deadline poll for tests, not a sleep.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace testsupport {

inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    io.restart();
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        io.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
}

}  // namespace testsupport
