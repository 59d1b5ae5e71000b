// `director run -f FILE`: the daemon, in the foreground (systemd or a supervisor keeps it running).
#include <malloc.h>

#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>

#include "director/cli/commands.hpp"
#include "director/config/host_check.hpp"
#include "director/daemon.hpp"
#include "director/log.hpp"
#include "host/open_files_limit.hpp"

namespace director::cli {

void add_run(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("run", "Run the director in the foreground on a keepalived-style config");
    struct Args {
        std::string file = "/etc/director/director.conf";
        std::string log_level = "info";
        DaemonOptions opts;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("-f,--use-file", a->file, "Config file")->capture_default_str();
    // Absolute from the start: `--control-socket d.sock` means the current directory, whatever happens later.
    auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); };
    cmd->add_option("--pid-file", a->opts.pid_file, "Pid file (one per instance on a host)")
        ->capture_default_str()
        ->transform(absolute);
    cmd->add_option("--control-socket", a->opts.control_socket, "Unix socket `director status` reads")
        ->capture_default_str()
        ->transform(absolute);
    cmd->add_option("--state-dir", a->opts.state_dir,
                    "Where maintenance and hand drains are kept across restarts (one per director on a host)")
        ->capture_default_str()
        ->transform(absolute);
    cmd->add_option("--metrics-listen", a->opts.metrics_listen,
                    "Serve Prometheus metrics on ADDR:PORT (or :PORT); overrides global_defs' metrics_listen");
    cmd->add_option("--log-level", a->log_level, log_level_names())
        ->check([](const std::string& v) {
            return parse_log_level(v) ? std::string() : v + " is not one of " + log_level_names();
        })
        ->capture_default_str();
    cmd->add_option_function<int>(
           "--loop-probe-ms", [a](int ms) { a->opts.loop_probe = std::chrono::milliseconds(ms); },
           "Period of the event-loop lag probe (director_event_loop_lag_seconds); each probe wakes the daemon "
           "(default 1000)")
        ->check(CLI::Range(1, 60000));
    cmd->add_flag("--keep-ipvs", a->opts.run.keep_ipvs_on_exit,
                  "On a clean stop leave the IPVS rules this config owns in the kernel (a restart adopts them)");
    cmd->callback([a, &rc] {
        // One malloc arena for the whole process: glibc gives each thread that allocates an arena of its
        // own (the IPVS pass and the reload run on worker threads), whose pages stay resident after the
        // pass (~0.5 MiB with 1,000 real servers). The workers run seldom and briefly, and each thread's
        // tcache still serves most allocations without the arena's lock. Before any thread exists.
        mallopt(M_ARENA_MAX, 1);
        setup_logging(a->log_level);
        config::Diagnostics diag;
        auto cfg = config::load(a->file, diag);
        if (diag.ok()) config::require_work(cfg, diag);
        if (diag.ok()) config::check_host(cfg, diag, /*as_errors=*/true);
        for (const auto& w : diag.warnings()) spdlog::warn("{}", w.str());
        if (!diag.ok()) {
            for (const auto& e : diag.errors()) std::cerr << e.str() << std::endl;
            std::cerr << a->file << ": " << diag.errors().size() << " error(s); not starting" << std::endl;
            rc = 1;
            return;
        }
        if (auto l = host::raise_open_files_limit(); !l.error.empty()) spdlog::warn("{}", l.error);
        else spdlog::debug("open files limit {}", l.soft);
        try {
            Daemon d(std::move(cfg), a->opts);
            rc = d.run();
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            rc = 1;
        }
    });
}

}  // namespace director::cli
