#pragma once
// Go-style durations, as lvscare's flags take them ("500ms", "1m30s", "10s"); --interval also takes a
// bare integer meaning seconds (lvscare's durationOrSecondValue).
#include <chrono>
#include <optional>
#include <string_view>

namespace director::care {

// Parses Go's time.ParseDuration grammar: [-+]?([0-9]*(\.[0-9]*)?[a-z|µ]+)+ or "0". Units ns, us, µs,
// ms, s, m, h. Negative values are rejected (no flag here means anything negative). nullopt on error.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// A bare non-negative integer is seconds; anything else must be a Go duration.
std::optional<std::chrono::nanoseconds> parse_duration_or_seconds(std::string_view text);

}  // namespace director::care
