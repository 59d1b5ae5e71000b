#pragma once
// The daemon's recent history: the last 200 events (VRRP state changes with their reason, real servers
// up/down/drained, reloads, switchovers, maintenance) with timestamps, for `director events`, and the feed
// mail alerts are built from. On the daemon's thread only.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace director::events {

struct Event {
    uint64_t seq = 0;  // 1, 2, ... for this daemon's life: `--follow` asks for those after the last it saw
    std::chrono::system_clock::time_point at;
    std::string kind;     // "vrrp", "real_server", "reload", "switchover", "maintenance", "drain"
    std::string subject;  // "VI_1", "TCP 198.18.0.100:6443 real_server 198.18.0.11:6443", ...
    std::string from, to;  // old and new state where there is one ("BACKUP", "MASTER"; "down", "up")
    std::string reason;
    nlohmann::json to_json() const;
};

class EventLog {
public:
    static constexpr size_t kKept = 200;
    void record(Event e);  // stamps seq and time
    // The kept events with seq > `after`, oldest first.
    std::vector<Event> since(uint64_t after) const;
    uint64_t last_seq() const { return next_seq_ - 1; }
    // Listeners (mail alerts) see each event as it is recorded.
    void subscribe(std::function<void(const Event&)> f) { listeners_.push_back(std::move(f)); }

private:
    std::deque<Event> events_;
    uint64_t next_seq_ = 1;
    std::vector<std::function<void(const Event&)>> listeners_;
};

// "2026-12-03T16:21:09.123Z"
std::string format_utc(std::chrono::system_clock::time_point t);

}  // namespace director::events
