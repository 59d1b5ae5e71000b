#include "director/care/duration.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace director::care {

namespace {

// Nanoseconds per unit; the longest unit spellings are tried first so "ms" wins over "m".
std::optional<double> unit_ns(std::string_view& rest) {
    static constexpr std::pair<std::string_view, double> units[] = {
        {"ns", 1.0}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6},
        {"s", 1e9},  {"m", 60e9}, {"h", 3600e9},
    };
    for (auto [name, ns] : units) {
        if (rest.substr(0, name.size()) == name) {
            rest.remove_prefix(name.size());
            return ns;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s.front() == '+') s.remove_prefix(1);
    if (s == "0") return std::chrono::nanoseconds{0};
    if (s.empty() || s.front() == '-') return std::nullopt;
    double total = 0;
    while (!s.empty()) {
        size_t i = 0;
        bool digits = false;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
        if (i < s.size() && s[i] == '.') {
            ++i;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
        }
        if (!digits) return std::nullopt;
        // from_chars, not stod: a number past double's range (hundreds of digits) is an error, not a throw.
        double value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + i, value);
        if (ec != std::errc() || end != s.data() + i) return std::nullopt;
        s.remove_prefix(i);
        auto ns = unit_ns(s);
        if (!ns) return std::nullopt;  // Go: "missing unit" / "unknown unit"
        total += value * *ns;
        if (total > 9.2e18) return std::nullopt;  // overflows int64 nanoseconds, as Go reports
    }
    return std::chrono::nanoseconds{static_cast<int64_t>(std::llround(total))};
}

std::optional<std::chrono::nanoseconds> parse_duration_or_seconds(std::string_view s) {
    if (!s.empty() && s.size() <= 9 &&
        std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return std::chrono::seconds{std::stol(std::string(s))};
    return parse_go_duration(s);
}

}  // namespace director::care
