#pragma once
// Tells systemd about the daemon's state (sd_notify) when it runs under a unit that listens for it
// (NOTIFY_SOCKET set); otherwise, or when built without libsystemd, does nothing.
#include <string>

namespace director {

void notify_systemd(const std::string& state);  // "READY=1", "RELOADING=1", ...

}  // namespace director
