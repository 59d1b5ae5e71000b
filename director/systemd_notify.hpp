#pragma once
// Tells systemd about the daemon's state (sd_notify) when it runs under a unit that listens for it
// (NOTIFY_SOCKET set); otherwise does nothing.
#include <chrono>
#include <optional>
#include <string>

namespace director {

void notify_systemd(const std::string& state);  // "READY=1", "RELOADING=1", ...
// True when NOTIFY_SOCKET is set (someone listens): worth computing STATUS= lines for.
bool systemd_listens();
// How often to send WATCHDOG=1 (half of WatchdogSec=), when the unit asks for it for this process.
std::optional<std::chrono::microseconds> systemd_watchdog_interval();

}  // namespace director
