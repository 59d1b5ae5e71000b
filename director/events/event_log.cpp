#include "director/events/event_log.hpp"

#include <ctime>

namespace director::events {

std::string format_utc(std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];  // room for any year the compiler can imagine, so no truncation warning
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

nlohmann::json Event::to_json() const {
    nlohmann::json j{{"seq", seq}, {"at", format_utc(at)}, {"kind", kind}, {"subject", subject}, {"reason", reason}};
    if (!from.empty()) j["from"] = from;
    if (!to.empty()) j["to"] = to;
    return j;
}

void EventLog::record(Event e) {
    e.seq = next_seq_++;
    e.at = std::chrono::system_clock::now();
    events_.push_back(e);
    while (events_.size() > kKept) events_.pop_front();
    for (auto& f : listeners_) f(events_.back());
}

std::vector<Event> EventLog::since(uint64_t after) const {
    std::vector<Event> out;
    for (const auto& e : events_)
        if (e.seq > after) out.push_back(e);
    return out;
}

}  // namespace director::events
