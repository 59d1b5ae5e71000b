#include "vrrp/track_script.hpp"

#include <spdlog/spdlog.h>

#include "host/process.hpp"

namespace vrrp {

TrackScript::TrackScript(boost::asio::io_context& io, ScriptConfig cfg)
    : io_(io), cfg_(std::move(cfg)), health_(cfg_.rise, cfg_.fall, cfg_.init_fail), timer_(io) {}

void TrackScript::start() { schedule(std::chrono::milliseconds(0)); }

void TrackScript::stop() {
    stopped_ = true;
    timer_.cancel();
}

void TrackScript::schedule(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopped_) run_once();
    });
}

void TrackScript::run_once() {
    if (running_) return;
    running_ = true;
    auto started = std::chrono::steady_clock::now();
    host::ProcessSpec spec;
    spec.argv = cfg_.argv;
    spec.timeout = cfg_.timeout;
    spec.user = cfg_.user;
    spec.group = cfg_.group;
    spec.secure = cfg_.script_security;  // re-checked every run: a repointed symlink is caught at once
    host::run_process(io_, spec, [this, started](const host::ProcessResult& r) {
        running_ = false;
        if (stopped_) return;
        ++runs_;
        if (!r.success()) ++failures_;
        last_result_ = r.describe();
        // A script made insecure after the config check fails every run (and says why once).
        bool refused = r.outcome == host::ProcessResult::SpawnFailed &&
                       r.error.rfind("refused by enable_script_security", 0) == 0;
        if (refused && refused_ != r.error) spdlog::error("vrrp_script {}: {}", cfg_.name, r.error);
        refused_ = refused ? r.error : "";
        if (health_.record(r.success())) {
            spdlog::info("vrrp_script {} is now {} ({})", cfg_.name, health_.up() ? "up" : "down", last_result_);
            for (auto& [id, f] : listeners_) f();
        }
        // The next run starts `interval` after this one started, not after it ended.
        auto next = cfg_.interval - std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started);
        schedule(std::max(next, std::chrono::milliseconds(0)));
    });
}

}  // namespace vrrp
