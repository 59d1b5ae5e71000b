#pragma once
// Checks that depend on the machine, not only on the file:
// - every interface a config names must exist here: `director check` warns (a file is often checked on
//   another machine than the one it is for), `director run` refuses, so no instance starts on an
//   interface that is not there;
// - every script (vrrp_script, notify*, MISC_CHECK, notify_up/down, quorum_up/down) must exist and be
//   executable, and pass enable_script_security when it is on: an error for both.
#include <functional>
#include <string>

#include "director/config/model.hpp"

namespace director::config {

using InterfaceExists = std::function<bool(const std::string& name)>;

// The real lookup (if_nametoindex in this network namespace).
bool interface_exists(const std::string& name);

void check_host(const Config& cfg, Diagnostics& diag, bool as_errors,
                const InterfaceExists& exists = interface_exists);

}  // namespace director::config
