#pragma once
// What a failover drill watches: the VIP probed every 50 ms, each probe a new connection (and for
// http/https a full request verified like an SSL_GET check), plus one long-lived HTTP(S) connection
// that keeps asking over keep-alive and so shows whether established connections survive the move.
// Runs on the caller's io_context; samples are read from other threads through a snapshot.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace healthcheck {
class Checker;
class TlsClient;
}  // namespace healthcheck

namespace director::drill {

using Clock = std::chrono::steady_clock;

struct ProbeUrl {
    enum class Scheme { Tcp, Http, Https } scheme = Scheme::Tcp;
    boost::asio::ip::tcp::endpoint endpoint;  // IPv4 literal and port
    std::string path = "/";
    std::string text;                         // as given, for reports
};
// tcp://IP:PORT, http://IP[:PORT][/path] or https://IP[:PORT][/path]. Names are not resolved: the drill
// measures the VIP, not DNS. Returns the error for --probe otherwise.
std::optional<ProbeUrl> parse_probe_url(const std::string& s, std::string& error);

struct Sample {
    Clock::time_point started;
    Clock::time_point finished;
    bool ok;
    std::string reason;
};

struct ProbeOptions {
    ProbeUrl url;
    std::string ca;  // https: verify chain and the IP against it; empty: unverified
    std::chrono::milliseconds every{50};
    std::chrono::milliseconds timeout{1000};
};

class Prober {
public:
    Prober(boost::asio::io_context& io, ProbeOptions o);
    ~Prober();
    // Starts the 50 ms probes and the long-lived connection.
    void start();
    void stop();
    std::vector<Sample> samples() const;
    // The long-lived connection: nullopt for tcp:// probes (no request to keep asking); else whether every
    // request on it has been answered since it opened. `long_lived_error` says what broke it.
    std::optional<bool> long_lived_ok() const;
    // A fresh long-lived connection in place of the old one (each drill round gets its own).
    void renew_long_lived();
    std::string long_lived_error() const;
    unsigned long long long_lived_requests() const;

private:
    struct LongLived;
    void tick();
    void probe_once();
    std::shared_ptr<LongLived> current_long_lived() const;

    boost::asio::io_context& io_;
    ProbeOptions opts_;
    std::shared_ptr<healthcheck::TlsClient> tls_;
    boost::asio::steady_timer timer_;
    std::vector<std::shared_ptr<healthcheck::Checker>> in_flight_;
    std::shared_ptr<LongLived> long_lived_;  // replaced on the io thread, read from others: under mu_
    bool running_ = false;
    mutable std::mutex mu_;
    std::vector<Sample> samples_;
};

}  // namespace director::drill
