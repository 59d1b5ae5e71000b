#include "director/daemon.hpp"


#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "director/config/host_check.hpp"
#include "director/daemon_signals.hpp"
#include "director/guarded_loop.hpp"
#include "director/lvs_component.hpp"
#include "director/metrics/daemon_metrics.hpp"
#include "director/open_files_budget.hpp"
#include "director/vrrp_component.hpp"
#include "director/reload/config_diff.hpp"
#include "director/systemd_notify.hpp"
#include "director/status_view.hpp"
#include "director/version.hpp"
#include "host/open_files_limit.hpp"

namespace director {

namespace {

// This many internal errors within the window mean the loop is not recovering: stop in order while the
// components can still send their priority-0 adverts. Twice as many while stopping: give up waiting.
constexpr unsigned kErrorBurst = 50;
constexpr auto kErrorWindow = std::chrono::seconds(10);

// An flock()ed pid file: a second director with the same pid file refuses to start, and a pid file
// left by a killed run (no lock holder) is simply taken over. O_NOFOLLOW: a symlink planted at the path
// must not make root truncate whatever it points to.
int lock_pid_file(const std::string& path) {
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == ELOOP)
        throw std::runtime_error("pid file " + path + " is a symbolic link; refusing to follow it");
    if (fd < 0) throw std::runtime_error("pid file " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw std::runtime_error("pid file " + path + " is not a regular file");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
        while (!pid.empty() && pid.back() == '\n') pid.pop_back();
        throw std::runtime_error("another director holds " + path + " (pid " + pid +
                                 "); give each instance its own --pid-file and --control-socket");
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        spdlog::warn("pid file {}: write failed: {}", path, std::strerror(errno));
    return fd;
}

nlohmann::json unknown_request(const std::string& req) {
    return {{"error", "unknown request '" + req + "' (known: status, events, reload, switchover, maintenance, backend)"}};
}

}  // namespace

Daemon::Daemon(config::Config cfg, DaemonOptions opts)
    : cfg_(std::make_shared<const config::Config>(std::move(cfg))), opts_(std::move(opts)), signals_(io_), burst_(kErrorWindow) {}

Daemon::~Daemon() {
    components_.clear();
    if (control_) control_->close();
    if (pid_fd_ >= 0) {
        ::unlink(opts_.pid_file.c_str());
        ::close(pid_fd_);
    }
}

int Daemon::run() {
    started_ = std::chrono::steady_clock::now();
    // Caught, never SIG_IGN: a caught signal is back to its default in the scripts we exec, an ignored
    // one would stay ignored there.
    catch_daemon_signals(signals_);
    pid_fd_ = lock_pid_file(opts_.pid_file);

    opts_.run.ipvs = std::make_shared<IpvsAvailability>();
    opts_.run.instance_states = std::make_shared<InstanceStates>();
    opts_.run.events = std::make_shared<events::EventLog>();
    apply_mail();
    opts_.run.events->subscribe([this](const events::Event& e) {
        if (mailer_ && wants_mail(e)) mailer_->send(e);
    });
    opts_.run.state = std::make_shared<state::StateStore>(opts_.state_dir);
    if (auto c = make_vrrp_component(io_, *cfg_, opts_.run)) components_.push_back(std::move(c));
    if (auto c = make_lvs_component(io_, cfg_, opts_.run)) components_.push_back(std::move(c));
    // Last created: started first (VRRP and IPVS may rely on its addresses and routes), stopped last.
    if (auto c = make_static_network_component(io_, *cfg_, opts_.run)) components_.push_back(std::move(c));

    control_ = std::make_unique<ControlServer>(io_, opts_.control_socket, [this](const std::string& req) {
        if (req == "events" || req.rfind("events ", 0) == 0) return events_reply(req);
        return unknown_request(req);
    });
    for (const char* word : {"status", ""})
        control_->defer_text(word, [this](const std::string& line, ControlServer::TextReply reply) {
            serve_status(line, std::move(reply));
        });
    for (const char* word : {"switchover", "maintenance", "backend"})
        control_->defer(word, [this](const std::string& line, ControlServer::Reply reply) {
            serve_operator_request(line, std::move(reply));
        });
    control_->defer("reload", [this](const std::string&, ControlServer::Reply reply) {
        request_reload([reply](const reload::ReloadOutcome& r) { reply({{"reload", r.to_json()}}); });
    });
    wait_signal();
    // Before any component starts: a port another process holds is a startup error, not a VIP taken by a
    // director nobody can watch.
    apply_metrics_listen();

    spdlog::info("director {} starting: config {}, {} vrrp_instance(s), {} virtual_server(s)", version(), cfg_->path,
                 cfg_->vrrp_instances.size(), cfg_->virtual_servers.size());
    check_open_files();
    // Started in reverse (IPVS before VRRP): the table, or the news that there is none, comes before
    // any VIP does. Stopped in creation order (VRRP first, see stop_next).
    for (auto it = components_.rbegin(); it != components_.rend(); ++it) (*it)->start();
    announce_ready();
    trim_heap();
    loop_lag_.start();
    run_guarded(io_, [this](const std::string& what) { on_internal_error(what); });
    spdlog::info("director stopped");
    return exit_code_;
}

void Daemon::serve_status(const std::string& line, ControlServer::TextReply reply) {
    if (!line.empty() && line != "status") return reply(dump_json(unknown_request(line)));
    status_worker_.run<std::string>(
        [build = status_snapshot()] {
            // On the worker thread: an exception must not leave it (that would end the process).
            try {
                return dump_json(build());
            } catch (const std::exception& e) {
                return dump_json({{"error", std::string("status: ") + e.what()}});
            }
        },
        [reply = std::move(reply)](std::string text) { reply(std::move(text)); });
}

Component* Daemon::component(const char* name) const {
    for (const auto& c : components_)
        if (std::string(c->name()) == name) return c.get();
    return nullptr;
}

void Daemon::announce_ready() {
    auto ready = [this] {
        if (stopping_) return;
        last_summary_ = summary();
        notify_systemd("READY=1\nSTATUS=" + last_summary_);
        if (systemd_listens() || systemd_watchdog_interval()) tick_systemd();
    };
    // "Ready" means the config is applied: the table is in the kernel, not merely asked for.
    if (auto* lvs = component("lvs")) return lvs->settled(ready);
    ready();
}

std::string Daemon::summary() const {
    std::string out;
    for (const auto& c : components_) {
        auto s = c->summary();
        if (s.empty()) continue;
        out += (out.empty() ? "" : ", ") + s;
    }
    return out.empty() ? "running" : out;
}

void Daemon::tick_systemd() {
    auto now = std::chrono::steady_clock::now();
    auto watchdog = systemd_watchdog_interval();
    if (watchdog && now >= next_watchdog_) {
        // From the loop itself: a wedged loop stops these, and systemd restarts the daemon.
        notify_systemd("WATCHDOG=1");
        next_watchdog_ = now + *watchdog;
    }
    if (auto s = summary(); !stopping_ && s != last_summary_) {
        last_summary_ = s;
        notify_systemd("STATUS=" + s);
    }
    auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1));
    if (watchdog) period = std::min(period, std::chrono::duration_cast<std::chrono::steady_clock::duration>(*watchdog));
    systemd_timer_.expires_after(period);
    systemd_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) tick_systemd();
    });
}

void Daemon::wait_signal() {
    signals_.async_wait([this](boost::system::error_code ec, int signo) {
        if (ec) return;
        wait_signal();  // first, so a handler that throws cannot leave later signals unanswered
        on_signal(signo);
    });
}

void Daemon::on_signal(int signo) {
    const std::string name = signal_name(signo);
    ++signals_received_[name];
    switch (daemon_signal_action(signo)) {
        case SignalAction::Stop:
            if (!stopping_) return begin_stop("received " + name);
            // A second stop signal means "now": skip whatever orderly work is still pending.
            spdlog::warn("{} while stopping: exiting without finishing the orderly stop", name);
            io_.stop();
            return;
        case SignalAction::Reload:
            spdlog::info("{}: reloading {}", name, cfg_->path);
            return request_reload({});
        // Built and logged by status_worker_ from a snapshot, as a `director status` is (spdlog is
        // thread-safe); nothing comes back to the loop.
        case SignalAction::DumpStatus:
            return status_worker_.run<bool>(
                [name, build = status_snapshot()] {
                    try {
                        spdlog::info("{}: status {}", name, dump_json(build()));
                    } catch (const std::exception& e) {
                        spdlog::error("{}: status: {}", name, e.what());
                    }
                    return true;
                },
                [](bool) {});
        case SignalAction::DumpCounters:
            return status_worker_.run<bool>(
                [name, build = status_snapshot()] {
                    try {
                        spdlog::info("{}: counters {}", name, dump_json(counters_view(build())));
                    } catch (const std::exception& e) {
                        spdlog::error("{}: counters: {}", name, e.what());
                    }
                    return true;
                },
                [](bool) {});
        case SignalAction::Ignore:
            // SIGPIPE is routine (a reader went away); the others deserve a line saying nothing happened.
            if (signo == SIGPIPE) spdlog::debug("received {}: ignored", name);
            else spdlog::warn("received {}: ignored (SIGTERM or SIGINT stop the director)", name);
            return;
    }
}

struct Daemon::ReloadCandidate {
    config::Config cfg;
    config::Diagnostics diag;
    // Computed on the worker too: with tens of thousands of real servers the comparison is the largest
    // piece of a reload left on the loop otherwise.
    std::shared_ptr<reload::ConfigDiff> diff;
};

void Daemon::request_reload(ReloadWaiter waiter) {
    if (stopping_) {
        reload::ReloadOutcome r;
        r.errors.push_back("the director is stopping; not reloading");
        r.at = std::chrono::system_clock::now();
        if (waiter) waiter(r);
        return;
    }
    if (reloads_.request(std::move(waiter))) start_reload();
    else spdlog::info("reload requested while one runs: one more follows it");
}

void Daemon::start_reload() {
    reload_started_ = std::chrono::steady_clock::now();
    // systemd (Type=notify-reload, v253+) wants the monotonic time of the reload's start beside RELOADING=1.
    auto usec = std::chrono::duration_cast<std::chrono::microseconds>(reload_started_.time_since_epoch()).count();
    notify_systemd("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
    auto candidate = std::make_shared<ReloadCandidate>();
    std::string path = cfg_->path;
    // Reading and checking a large file takes long enough to delay adverts; the loop never waits for it.
    // The thread touches nothing but its candidate, and hands it back through the loop.
    // The running config is read there while the loop goes on; the job holds it, so a reload applied
    // meanwhile (none is: they run one at a time, ReloadQueue) could not free it.
    std::shared_ptr<const config::Config> running = cfg_;
    reload_worker_.run<bool>(
        [candidate, path, running] {
            try {
                candidate->cfg = config::load(path, candidate->diag);
                if (candidate->diag.ok()) config::require_work(candidate->cfg, candidate->diag);
                if (candidate->diag.ok()) config::check_host(candidate->cfg, candidate->diag, /*as_errors=*/true);
                if (candidate->diag.ok())
                    candidate->diff = std::make_shared<reload::ConfigDiff>(reload::diff(*running, candidate->cfg));
            } catch (const std::exception& e) {
                candidate->diag.error({path, 0}, std::string("reading the config failed: ") + e.what());
            }
            return true;
        },
        [this, candidate](bool) { finish_reload(candidate); });
}

void Daemon::finish_reload(const std::shared_ptr<ReloadCandidate>& candidate) {
    reload::ReloadOutcome r;
    r.number = ++reload_count_;
    for (const auto& w : candidate->diag.warnings()) {
        r.warnings.push_back(w.str());
        spdlog::warn("reload: {}", w.str());
    }
    if (!candidate->diag.ok()) {
        ++reloads_rejected_;
        for (const auto& e : candidate->diag.errors()) {
            r.errors.push_back(e.str());
            spdlog::error("{}", e.str());
        }
        spdlog::error("reload #{} rejected: {} error(s) in {}; still running the config loaded before", r.number,
                      r.errors.size(), cfg_->path);
    } else if (stopping_) {
        r.errors.push_back("the director is stopping; not reloading");
    } else {
        r.ok = true;
        return apply_config(std::make_shared<config::Config>(std::move(candidate->cfg)), candidate->diff, std::move(r));
    }
    complete_reload(std::move(r));
}

void Daemon::complete_reload(reload::ReloadOutcome r) {
    r.at = std::chrono::system_clock::now();
    r.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - reload_started_);
    if (r.ok)
        spdlog::info("reload #{} done in {:.1f} ms: {}", r.number, r.took.count() / 1000.0,
                     r.changes.empty() ? "nothing changed" : std::to_string(r.changes.size()) + " change(s)");
    last_reload_ = r;
    reload_seconds_sum_ += r.took.count() / 1e6;
    if (opts_.run.events) {
        std::string why = r.ok ? (r.changes.empty() ? "nothing changed" : std::to_string(r.changes.size()) + " change(s)")
                               : (r.errors.empty() ? "rejected" : r.errors.front());
        opts_.run.events->record({0, {}, "reload", cfg_->path, "", r.ok ? "applied" : "rejected", why});
    }
    notify_systemd("READY=1");
    if (reloads_.finished(r)) start_reload();
}

void Daemon::apply_config(std::shared_ptr<const config::Config> next, std::shared_ptr<const reload::ConfigDiff> diff,
                          reload::ReloadOutcome r) {
    r.changes = diff->describe();
    for (const auto& c : r.changes) spdlog::info("reload: {}", c);
    // IPVS before VRRP, as at startup: a new service is in the kernel's table (the IPVS pass runs off
    // the loop; settled() says when it is done) before its VIP comes up. A part the old config did not
    // need is built and started now; one the new config no longer needs is emptied.
    if (auto* statics = component("static")) statics->apply(next, *diff);
    else if (auto c = make_static_network_component(io_, *next, opts_.run)) {
        c->start();
        components_.push_back(std::move(c));
    }
    Component* lvs = component("lvs");
    if (lvs) {
        lvs->apply(next, *diff);
    } else if (auto c = make_lvs_component(io_, next, opts_.run)) {
        c->start();
        lvs = c.get();
        components_.push_back(std::move(c));
    }
    auto vrrp_part = [this, next, diff, r = std::move(r)]() mutable {
        if (stopping_) {
            r.ok = false;
            r.errors.push_back("the director began stopping during the reload; VRRP left as it was");
            return complete_reload(std::move(r));
        }
        if (auto* vrrp = component("vrrp")) {
            vrrp->apply(next, *diff);
        } else if (auto c = make_vrrp_component(io_, *next, opts_.run)) {
            c->start();
            components_.insert(components_.begin(), std::move(c));  // stops first, as at startup
        }
        cfg_ = next;
        if (auto w = check_open_files(); !w.empty()) r.warnings.push_back(w);
        apply_mail();
        try {
            apply_metrics_listen();
        } catch (const std::exception& e) {
            // The new address cannot be bound: the old endpoint stays, and the reload says why.
            spdlog::error("reload: {}; still serving metrics on {}", e.what(), metrics_ ? metrics_->listen() : "nothing");
            r.warnings.push_back(e.what());
        }
        complete_reload(std::move(r));
    };
    if (lvs) lvs->settled(std::move(vrrp_part));
    else vrrp_part();
}

std::string Daemon::check_open_files() {
    open_files_needed_ = open_files_needed(*cfg_).total();
    open_files_limit_ = host::open_files_limit();
    auto warning = open_files_warning(open_files_needed(*cfg_), open_files_limit_);
    if (!warning.empty()) spdlog::warn("{}", warning);
    return warning;
}

void Daemon::begin_stop(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("{}, stopping", why);
    // The watchdog keeps ticking while the components stop; the loop ends with the last of them.
    notify_systemd("STOPPING=1\nSTATUS=stopping: " + why);
    if (control_) control_->close();
    if (metrics_) metrics_->close();
    heap_timer_.cancel();
    stop_next(0);
}

// Hands free heap pages back to the kernel every 10 s. The first round of TLS checks, a reload or a
// status document at thousands of servers each free a few MiB of short-lived objects (handshakes,
// parsed config, JSON) between long-lived ones, and glibc returns only the top of the heap by itself:
// the pages in between stayed resident for the daemon's lifetime (~2 MiB at 1,000 SSL_GET servers).
// Once a minute was too slow: the handshakes that end the first round stayed resident up to a minute,
// 5 % over the steady RSS. Every 10 s left the checks' CPU as it was (0.71 CPU s per 1,000 SSL_GET checks
// over 10 minutes, docs/BENCHMARKS.md).
void Daemon::trim_heap() {
    heap_timer_.expires_after(std::chrono::seconds(10));
    heap_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        malloc_trim(0);
        trim_heap();
    });
}

// Components stop one after the other, in creation order: the VRRP instances first (a master sends its
// priority-0 advert and drops the VIP, so the peer takes over at once), then the IPVS rules.
void Daemon::stop_next(size_t index) {
    if (index >= components_.size()) {
        auto finish = [this] {
            loop_lag_.stop();
            signals_.cancel();
            io_.stop();
        };
        // The mails the stop itself caused (MASTER -> STOPPED) get a short chance to leave.
        if (mailer_) return mailer_->flush(std::chrono::seconds(5), finish);
        return finish();
    }
    try {
        components_[index]->stop([this, index] { boost::asio::post(io_, [this, index] { stop_next(index + 1); }); });
    } catch (const std::exception& e) {
        // One component failing to stop must not keep the next from stopping.
        spdlog::error("stopping {}: {}", components_[index]->name(), e.what());
        boost::asio::post(io_, [this, index] { stop_next(index + 1); });
    }
}

void Daemon::on_internal_error(const std::string& what) {
    ++internal_errors_;
    last_internal_error_ = what;
    unsigned burst = burst_.note(std::chrono::steady_clock::now());
    spdlog::error("internal error #{} (the director carries on): {}", internal_errors_, what);
    if (burst >= 2 * kErrorBurst) {
        spdlog::critical("{} internal errors within {} s while stopping: exiting now", burst, kErrorWindow.count());
        exit_code_ = 1;
        io_.stop();
    } else if (burst >= kErrorBurst && !stopping_) {
        // A non-zero exit status lets systemd (Restart=on-failure) start a fresh daemon.
        spdlog::critical("{} internal errors within {} s: stopping in order", burst, kErrorWindow.count());
        exit_code_ = 1;
        begin_stop("too many internal errors");
    }
}

nlohmann::json Daemon::events_reply(const std::string& req) const {
    // "events" or "events {"since": N}": the kept events after N, oldest first.
    uint64_t since = 0;
    if (auto space = req.find(' '); space != std::string::npos) {
        auto args = nlohmann::json::parse(req.substr(space + 1), nullptr, false);
        if (!args.is_object() || (args.contains("since") && !args["since"].is_number_unsigned()))
            return {{"error", "events: arguments must be {\"since\": N}"}};
        since = args.value("since", uint64_t{0});
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : opts_.run.events->since(since)) list.push_back(e.to_json());
    return {{"events", list}, {"last_seq", opts_.run.events->last_seq()}};
}

void Daemon::apply_mail() {
    const auto& g = cfg_->global;
    if (g.smtp_server.empty() || g.notification_email.empty()) {
        if (mailer_) spdlog::info("mail: alerts off (smtp_server or notification_email no longer set)");
        mailer_.reset();
        return;
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    alerts::SmtpSettings s;
    s.server = g.smtp_server;
    s.port = g.smtp_port;
    s.connect_timeout = std::chrono::seconds(g.smtp_connect_timeout_s);
    s.mail.node = g.router_id.empty() ? host : g.router_id;
    s.mail.from = g.notification_email_from.empty() ? "director@" + s.mail.node : g.notification_email_from;
    s.mail.to = g.notification_email;
    if (mailer_) mailer_->update(std::move(s));
    else mailer_ = std::make_unique<alerts::Mailer>(io_, std::move(s));
}

bool Daemon::wants_mail(const events::Event& e) const {
    const auto& g = cfg_->global;
    // With smtp_server and notification_email set, alerts are on unless a smtp_alert keyword says off:
    // the instance's or virtual_server's own, then smtp_alert_vrrp / smtp_alert_checker, then smtp_alert.
    if (e.kind == "vrrp") {
        for (const auto& in : cfg_->vrrp_instances)
            if (in.name == e.subject) return in.smtp_alert.value_or(g.smtp_alert_vrrp.value_or(g.smtp_alert.value_or(true)));
        return false;
    }
    if (e.kind == "vrrp_sync_group") {
        for (const auto& sg : cfg_->sync_groups)
            if (sg.name == e.subject) return sg.smtp_alert.value_or(g.smtp_alert_vrrp.value_or(g.smtp_alert.value_or(true)));
        return false;
    }
    if (e.kind == "real_server") {
        for (const auto& vs : cfg_->virtual_servers)
            if (e.subject.rfind(vs.name() + " real_server ", 0) == 0)
                return vs.smtp_alert.value_or(g.smtp_alert_checker.value_or(g.smtp_alert.value_or(true)));
    }
    return false;
}

std::string Daemon::metrics_listen() const {
    return opts_.metrics_listen.empty() ? cfg_->global.metrics_listen : opts_.metrics_listen;
}

void Daemon::apply_metrics_listen() {
    std::string want = metrics_listen();
    if (metrics_ && metrics_->listen() == want) return;
    if (want.empty()) {
        if (metrics_) spdlog::info("metrics: no longer serving on {}", metrics_->listen());
        metrics_.reset();
        return;
    }
    try {
        // The text is made from a snapshot on status_worker_; the connection answers once it is back.
        metrics_ = std::make_unique<metrics::HttpServer>(io_, want, [this](metrics::HttpServer::Body done) {
            status_worker_.run<metrics::HttpServer::Rendered>(
                [build = status_snapshot()]() -> metrics::HttpServer::Rendered {
                    try {
                        return {true, metrics::render_daemon_metrics(build())};
                    } catch (const std::exception& e) {
                        return {false, e.what()};
                    }
                },
                [done = std::move(done)](metrics::HttpServer::Rendered r) { done(std::move(r)); });
        });
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(opts_.metrics_listen.empty() ? "metrics_listen " : "--metrics-listen ") +
                                 e.what());
    }
}

void Daemon::serve_operator_request(const std::string& line, ControlServer::Reply reply) {
    auto space = line.find(' ');
    const std::string word = line.substr(0, space);
    nlohmann::json args = nlohmann::json::object();
    if (space != std::string::npos) {
        try {
            args = nlohmann::json::parse(line.substr(space + 1));
        } catch (const std::exception& e) {
            return reply({{"ok", false}, {"error", word + ": arguments are not JSON: " + e.what()}});
        }
        if (!args.is_object()) return reply({{"ok", false}, {"error", word + ": arguments must be a JSON object"}});
    }
    if (stopping_) return reply({{"ok", false}, {"error", "the director is stopping"}});
    auto text = [&](const char* key) { return args.contains(key) && args[key].is_string() ? args[key].get<std::string>() : ""; };
    if (word == "switchover" || word == "maintenance") {
        auto* vrrp = dynamic_cast<VrrpComponent*>(component("vrrp"));
        if (!vrrp) return reply({{"ok", false}, {"error", "this director runs no vrrp_instance"}});
        if (word == "switchover") {
            std::optional<vrrp::Duration> hold;
            if (args.contains("hold") && args["hold"].is_number())
                hold = std::chrono::duration_cast<vrrp::Duration>(std::chrono::duration<double>(args["hold"].get<double>()));
            return vrrp->switchover(text("instance"), hold, std::move(reply));
        }
        if (!args.contains("on") || !args["on"].is_boolean())
            return reply({{"ok", false}, {"error", "maintenance: \"on\" (true or false) is required"}});
        return vrrp->maintenance(text("instance"), args["on"].get<bool>(), args.value("force", false), std::move(reply));
    }
    auto* lvs = dynamic_cast<LvsComponent*>(component("lvs"));
    if (!lvs) return reply({{"ok", false}, {"error", "this director runs no virtual_server"}});
    lvs->backend_request(args, std::move(reply));
}

nlohmann::json Daemon::status() const { return status_snapshot()(); }

std::function<nlohmann::json()> Daemon::status_snapshot() const {
    nlohmann::json j;
    j["pid"] = ::getpid();
    j["version"] = version();
    j["config"] = cfg_->path;
    j["uptime_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    j["internal_errors"] = internal_errors_;
    if (!last_internal_error_.empty()) j["last_internal_error"] = last_internal_error_;
    j["signals"] = signals_received_;
    j["open_files"] = {{"limit", open_files_limit_}, {"needed", open_files_needed_}};
    j["event_loop"] = loop_lag_.status();
    if (opts_.run.state) {
        j["state_dir"] = opts_.state_dir;
        if (!opts_.run.state->load_error().empty()) j["state_error"] = opts_.run.state->load_error();
    }
    nlohmann::json reload = {{"reloads", reload_count_},
                             {"rejected", reloads_rejected_},
                             {"running", reloads_.running()},
                             {"pending", reloads_.pending()}};
    if (last_reload_) reload["last"] = last_reload_->to_json();
    reload["took_s_sum"] = reload_seconds_sum_;
    j["reload"] = reload;
    if (control_) j["control_socket"] = control_->status();
    if (metrics_) j["metrics"] = metrics_->status();
    if (mailer_) j["mail"] = mailer_->status();
    std::vector<std::pair<std::string, Component::StatusBuilder>> parts;
    for (const auto& c : components_) parts.emplace_back(c->name(), c->status_snapshot());
    // Callable more than once: the components' parts go into a copy of the small head.
    return [head = std::move(j), parts = std::move(parts)] {
        nlohmann::json j = head;
        for (const auto& [name, build] : parts) j[name] = build();
        return j;
    };
}

}  // namespace director
