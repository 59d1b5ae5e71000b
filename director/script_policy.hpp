#pragma once
// How every script the daemon starts is run: vrrp_script, notify*, MISC_CHECK, notify_up/down,
// quorum_up/down. One policy from global_defs, so script security cannot depend on who runs the script.
#include <chrono>
#include <optional>
#include <string>

#include "director/config/global_defs.hpp"
#include "host/process.hpp"

namespace director {

struct ScriptPolicy {
    bool secure = false;  // enable_script_security: checked at every run, refused when insecure
    std::optional<std::string> user, group;
    // Notify scripts (notify*, notify_up/down, quorum_up/down) run in the background and are killed,
    // with their process group, after this; keepalived has no such limit, so a hung one piles up there.
    std::chrono::milliseconds notify_timeout{30000};
};

// `user`/`group`: a per-script override (vrrp_script `user`, MISC_CHECK `user`); otherwise global
// script_user. Switching users needs root; a non-root daemon runs scripts as itself.
ScriptPolicy script_policy(const config::GlobalDefs& g, const std::string& user = "", const std::string& group = "");

// A ProcessSpec for `argv` under `policy`.
host::ProcessSpec script_spec(const ScriptPolicy& policy, std::vector<std::string> argv,
                                     std::chrono::milliseconds timeout);

}  // namespace director
