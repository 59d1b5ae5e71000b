#pragma once
// One Daemon per `director run`: it owns the io_context, the components built from the config, the
// signal handling, the pid file and the control socket. Nothing else in the program is long-lived.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "director/component.hpp"
#include "director/components.hpp"
#include "director/config/model.hpp"
#include "director/control_socket.hpp"
#include "director/guarded_loop.hpp"
#include "director/loop_lag.hpp"
#include "director/alerts/mailer.hpp"
#include "director/metrics/http_server.hpp"
#include "director/reload/config_diff.hpp"
#include "director/reload/reload_outcome.hpp"
#include "director/reload/reload_queue.hpp"
#include "director/worker_thread.hpp"

namespace director {

struct DaemonOptions {
    std::string pid_file = "/run/director/director.pid";
    std::string control_socket = "/run/director/director.sock";
    // Maintenance and hand drains, kept across restarts; one directory per director on a host.
    std::string state_dir = "/var/lib/director";
    // --metrics-listen: overrides global_defs' metrics_listen.
    std::string metrics_listen;
    // --loop-probe-ms: the event-loop lag probe's period (loop_lag.hpp). Each probe is a wakeup of the loop,
    // so the default is a second; a benchmark looking for holds of a few ms asks for 10.
    std::chrono::milliseconds loop_probe{1000};
    RunOptions run;
};

class Daemon {
public:
    Daemon(config::Config cfg, DaemonOptions opts);
    ~Daemon();
    // Runs until a stop signal (daemon_signals.hpp) and an orderly stop of every component. Returns the
    // process exit code.
    int run();
    nlohmann::json status() const;
    // status() in two halves (Component::status_snapshot): what the event loop takes, and the build.
    std::function<nlohmann::json()> status_snapshot() const;

private:
    void wait_signal();
    void on_signal(int signo);
    // SIGHUP and the control socket's "reload": validate the file first (off the event loop, so adverts
    // keep their schedule), apply second; a rejected file changes nothing. Requests during a reload are
    // folded into one more (reload::ReloadQueue).
    using ReloadWaiter = reload::ReloadQueue<reload::ReloadOutcome>::Waiter;
    void request_reload(ReloadWaiter waiter);
    void start_reload();
    struct ReloadCandidate;
    void finish_reload(const std::shared_ptr<ReloadCandidate>& candidate);
    // IPVS first; VRRP once the IPVS pass has reached the kernel; then complete_reload.
    void apply_config(std::shared_ptr<const config::Config> next, std::shared_ptr<const reload::ConfigDiff> diff,
                      reload::ReloadOutcome r);
    void complete_reload(reload::ReloadOutcome r);
    // Logs (and returns) a warning when the open-files limit is below what cfg_ may need
    // (open_files_budget.hpp); at start and after each reload.
    std::string check_open_files();
    uint64_t open_files_limit_ = 0, open_files_needed_ = 0;
    void begin_stop(const std::string& why);
    void stop_next(size_t index);
    void on_internal_error(const std::string& what);
    // "switchover {...}", "maintenance {...}", "backend {...}" from the control socket.
    void serve_operator_request(const std::string& line, ControlServer::Reply reply);

    std::shared_ptr<const config::Config> cfg_;  // shared with the components: one copy of a large config
    DaemonOptions opts_;
    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    // Every 10 ms: cheap (one timer), and fine enough that a hold of the loop worth looking at is seen.
    LoopLagProbe loop_lag_{io_, opts_.loop_probe};
    std::vector<std::unique_ptr<Component>> components_;
    std::unique_ptr<ControlServer> control_;
    std::unique_ptr<metrics::HttpServer> metrics_;
    std::string metrics_listen() const;  // the flag, else the config's; empty: off
    nlohmann::json events_reply(const std::string& request) const;
    // Mail alerts (smtp_server + notification_email): built, updated or removed with each config.
    void apply_mail();
    bool wants_mail(const events::Event& e) const;
    std::unique_ptr<alerts::Mailer> mailer_;
    void apply_metrics_listen();
    // systemd: READY=1 once the first IPVS pass is in the kernel, STATUS= when the summary changes,
    // WATCHDOG=1 from the loop while WatchdogSec= asks for it.
    void announce_ready();
    Component* component(const char* name) const;  // "vrrp", "lvs"; null when the config has none
    std::string summary() const;
    void tick_systemd();
    boost::asio::steady_timer systemd_timer_{io_};
    void trim_heap();
    boost::asio::steady_timer heap_timer_{io_};
    std::string last_summary_;
    std::chrono::steady_clock::time_point next_watchdog_{};
    int pid_fd_ = -1;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point started_;

    std::map<std::string, uint64_t> signals_received_;
    uint64_t internal_errors_ = 0;
    std::string last_internal_error_;
    ErrorBurst burst_;
    int exit_code_ = 0;

    reload::ReloadQueue<reload::ReloadOutcome> reloads_;
    std::chrono::steady_clock::time_point reload_started_;
    std::optional<reload::ReloadOutcome> last_reload_;
    uint64_t reload_count_ = 0, reloads_rejected_ = 0;
    double reload_seconds_sum_ = 0;
    WorkerThread reload_worker_{io_};  // reads and checks the new file
    // Builds and serializes status documents and /metrics texts from the loop's snapshots (a status at
    // 5,000 real servers is ~100 ms of JSON work), one at a time, never behind a reload's validation.
    // Nice 10: with both cores busy the loop preempts it at once. Last, so it goes first: its jobs hold only
    // their snapshot, never the daemon.
    WorkerThread status_worker_{io_, 10};
    // "status" (or an empty line) from the control socket: the reply's text is made by status_worker_.
    void serve_status(const std::string& line, ControlServer::TextReply reply);
};

}  // namespace director
