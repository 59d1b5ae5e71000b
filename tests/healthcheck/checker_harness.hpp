#pragma once
// Runs real checkers on an io_context until they have reported enough, for loopback tests.
#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "healthcheck/checker.hpp"
#include "healthcheck/http_checker.hpp"

namespace testsupport {

inline healthcheck::Policy fast_policy(int timeout_ms = 1000) {
    healthcheck::Policy p;
    p.interval = std::chrono::milliseconds(50);
    p.timeout = std::chrono::milliseconds(timeout_ms);
    p.retry = 0;
    p.delay_before_retry = std::chrono::milliseconds(10);
    return p;
}

// Starts `checker`, runs `io` until `count` reports arrived (or `limit`), stops it, returns the reports.
inline std::vector<healthcheck::Checker::Report> collect(boost::asio::io_context& io,
                                                         std::shared_ptr<healthcheck::Checker> checker, size_t count,
                                                         std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::vector<healthcheck::Checker::Report> out;
    checker->start([&](const healthcheck::Checker::Report& r) {
        out.push_back(r);
        if (out.size() >= count) checker->stop();
    });
    io.restart();
    auto end = std::chrono::steady_clock::now() + limit;
    while (out.size() < count && std::chrono::steady_clock::now() < end) io.run_one_for(std::chrono::milliseconds(50));
    checker->stop();
    io.poll();
    return out;
}

// Runs an HttpChecker on `target` until it reported `count` times; a missing report fails the test.
inline std::vector<healthcheck::Checker::Report> http_checks(boost::asio::io_context& io, healthcheck::HttpTarget target,
                                                             size_t count = 1, healthcheck::Policy p = fast_policy(2000)) {
    auto c = std::make_shared<healthcheck::HttpChecker>(io, p, std::move(target));
    auto r = collect(io, c, count);
    EXPECT_EQ(r.size(), count);
    return r;
}

// The first report's result, or a failed empty one when nothing was reported.
inline healthcheck::CheckResult first_result(const std::vector<healthcheck::Checker::Report>& reports) {
    return reports.empty() ? healthcheck::CheckResult{} : reports[0].last;
}

}  // namespace testsupport
