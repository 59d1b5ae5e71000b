#pragma once
// One vrrp_script: runs its command every `interval` (never overlapping, killed after `timeout`), feeds
// results through rise/fall, and tells the instances that track it when the up/down state flips.
// Shared by every instance naming it in track_script, as in keepalived.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vrrp/tracking.hpp"

namespace vrrp {

struct ScriptConfig {
    std::string name;
    std::vector<std::string> argv;
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds timeout{1000};
    int weight = 0;
    bool weight_reverse = false;
    int rise = 1;
    int fall = 1;
    bool init_fail = false;
    std::optional<std::string> user, group;
    bool script_security = false;  // global_defs enable_script_security
};

class TrackScript {
public:
    TrackScript(boost::asio::io_context& io, ScriptConfig cfg);
    void start();
    void stop();
    // `on_change` runs whenever up() flips. The id returned ends the subscription (an instance removed by
    // a reload while the script it tracked stays).
    uint64_t subscribe(std::function<void()> on_change) {
        listeners_.emplace(++last_listener_, std::move(on_change));
        return last_listener_;
    }
    void unsubscribe(uint64_t id) { listeners_.erase(id); }

    const ScriptConfig& config() const { return cfg_; }
    bool up() const { return health_.up(); }
    // False until the first result (or from the start with init_fail).
    bool reported() const { return health_.reported(); }
    // A run is in flight; its completion still refers to this object, which must live until then.
    bool busy() const { return running_; }
    uint64_t runs() const { return runs_; }
    uint64_t failures() const { return failures_; }
    const std::string& last_result() const { return last_result_; }
    // Set while enable_script_security refuses the script; every refused run counts as a failure.
    const std::string& refused() const { return refused_; }

private:
    void schedule(std::chrono::milliseconds after);
    void run_once();

    boost::asio::io_context& io_;
    ScriptConfig cfg_;
    ScriptHealth health_;
    boost::asio::steady_timer timer_;
    std::map<uint64_t, std::function<void()>> listeners_;
    uint64_t last_listener_ = 0;
    bool running_ = false, stopped_ = false;
    uint64_t runs_ = 0, failures_ = 0;
    std::string last_result_ = "not run yet";
    std::string refused_;
};

}  // namespace vrrp
