#pragma once
// Typed readers for statement arguments. Each reports a file:line error naming the keyword and returns
// nullopt on bad input, so a section interpreter can keep going and report every error in one pass.
#include <cstdint>
#include <optional>
#include <string>

#include "director/config/tree.hpp"
#include "host/ipv4.hpp"

namespace director::config {

// Exactly `n` arguments, else an error.
bool expect_args(const Node& n, size_t count, Diagnostics& diag);
// Integer argument `i` within [lo, hi].
std::optional<long long> int_arg(const Node& n, Diagnostics& diag, long long lo, long long hi, size_t i = 0);
// Seconds, fractions allowed ("1.5"); returned in milliseconds. Within [lo_ms, hi_ms].
std::optional<long long> seconds_arg(const Node& n, Diagnostics& diag, long long lo_ms, long long hi_ms, size_t i = 0);
// The same with microsecond resolution ("0.001" = 1000), in microseconds within [lo_us, hi_us].
std::optional<long long> micros_arg(const Node& n, Diagnostics& diag, long long lo_us, long long hi_us, size_t i = 0);
// A dotted-quad IPv4 address (argument i), host byte order.
std::optional<uint32_t> ipv4_arg(const Node& n, Diagnostics& diag, size_t i = 0);
// The config readers' names for host/ipv4's conversions.
using host::format_ipv4;
using host::parse_ipv4;
// A keyword with no arguments, or with one of on/off/yes/no/true/false/1/0; absent argument means true.
std::optional<bool> flag_arg(const Node& n, Diagnostics& diag);

}  // namespace director::config
