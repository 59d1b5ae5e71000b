#include "director/config/values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace director::config {

bool expect_args(const Node& n, size_t count, Diagnostics& diag) {
    if (n.args.size() == count) return true;
    diag.error(n.where, n.keyword + " takes " + std::to_string(count) + " argument" + (count == 1 ? "" : "s") +
                            ", got " + std::to_string(n.args.size()));
    return false;
}

std::optional<long long> int_arg(const Node& n, Diagnostics& diag, long long lo, long long hi, size_t i) {
    if (i >= n.args.size()) {
        diag.error(n.where, n.keyword + ": missing value");
        return std::nullopt;
    }
    const std::string& s = n.args[i];
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        diag.error(n.where, n.keyword + ": '" + s + "' is not an integer");
        return std::nullopt;
    }
    if (v < lo || v > hi) {
        diag.error(n.where, n.keyword + ": " + s + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
        return std::nullopt;
    }
    return v;
}

namespace {
// Decimal seconds scaled to `per_second` units (1000: ms, 1000000: us), within [lo, hi] of those units.
std::optional<long long> scaled_seconds(const Node& n, Diagnostics& diag, double per_second, long long lo, long long hi,
                                        size_t i) {
    if (i >= n.args.size()) {
        diag.error(n.where, n.keyword + ": missing value");
        return std::nullopt;
    }
    const std::string& s = n.args[i];
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
        diag.error(n.where, n.keyword + ": '" + s + "' is not a number of seconds");
        return std::nullopt;
    }
    double scaled = v * per_second;
    if (scaled < static_cast<double>(lo) - 0.5 || scaled > static_cast<double>(hi) + 0.5) {
        diag.error(n.where, n.keyword + ": " + s + "s is out of range " + std::to_string(lo / per_second) + ".." +
                                std::to_string(hi / per_second) + "s");
        return std::nullopt;
    }
    return std::clamp(static_cast<long long>(std::llround(scaled)), lo, hi);
}
}  // namespace

std::optional<long long> seconds_arg(const Node& n, Diagnostics& diag, long long lo_ms, long long hi_ms, size_t i) {
    return scaled_seconds(n, diag, 1000.0, lo_ms, hi_ms, i);
}

std::optional<long long> micros_arg(const Node& n, Diagnostics& diag, long long lo_us, long long hi_us, size_t i) {
    return scaled_seconds(n, diag, 1e6, lo_us, hi_us, i);
}

std::optional<uint32_t> ipv4_arg(const Node& n, Diagnostics& diag, size_t i) {
    if (i >= n.args.size()) {
        diag.error(n.where, n.keyword + ": missing IPv4 address");
        return std::nullopt;
    }
    auto v = parse_ipv4(n.args[i]);
    if (!v) diag.error(n.where, n.keyword + ": '" + n.args[i] + "' is not an IPv4 address");
    return v;
}

std::optional<bool> flag_arg(const Node& n, Diagnostics& diag) {
    if (n.args.empty()) return true;
    const std::string& s = n.args[0];
    if (s == "on" || s == "yes" || s == "true" || s == "1") return true;
    if (s == "off" || s == "no" || s == "false" || s == "0") return false;
    diag.error(n.where, n.keyword + ": expected on/off, got '" + s + "'");
    return std::nullopt;
}

}  // namespace director::config
