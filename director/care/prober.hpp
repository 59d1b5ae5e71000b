#pragma once
// lvscare's HTTP(S) health probe (plus a plain TCP connect), all real servers probed at once on the care
// io_context, each bounded by a deadline so one hung master never delays the round. The exchange is
// healthcheck's (HttpExchange); care keeps lvscare's request, wording and verdicts.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "director/care/options.hpp"
#include "director/care/plan.hpp"

namespace director::care {

class Prober {
public:
    using Results = std::map<Endpoint, ProbeResult>;

    Prober(boost::asio::io_context& io, ProbeSettings settings);

    // Starts one probe per target; `done` runs once, on the io_context, when every probe has an answer.
    // A probe still running at min(timeout, budget) fails with "context deadline exceeded".
    void probe_all(const std::vector<Endpoint>& targets, std::chrono::nanoseconds budget,
                   std::function<void(Results)> done);

    const ProbeSettings& settings() const { return settings_; }

private:
    boost::asio::io_context& io_;
    ProbeSettings settings_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

// The request bytes a probe sends.
std::string build_request(const ProbeSettings& s, const Endpoint& target);

}  // namespace director::care
