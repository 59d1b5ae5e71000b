#include "director/log.hpp"

#include <algorithm>
#include <cctype>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace director {

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    using L = spdlog::level::level_enum;
    if (n == "trace") return L::trace;
    if (n == "debug" || n == "debg") return L::debug;
    if (n == "info") return L::info;
    if (n == "warn" || n == "warning") return L::warn;
    if (n == "err" || n == "error" || n == "eror") return L::err;
    if (n == "critical" || n == "crit") return L::critical;
    if (n == "off") return L::off;
    return std::nullopt;
}

const char* log_level_names() { return "trace|debug|info|warn|warning|err|error|critical|off"; }

bool setup_logging(const std::string& level) {
    auto lvl = parse_log_level(level);
    if (!lvl) return false;
    auto logger = spdlog::stderr_logger_mt("director");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(*lvl);
    spdlog::flush_on(spdlog::level::trace);
    return true;
}

}  // namespace director
