#include "director/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace director {

bool setup_logging(const std::string& level) {
    spdlog::level::level_enum lvl;
    if (level == "debug" || level == "DEBG" || level == "DEBUG") lvl = spdlog::level::debug;
    else if (level == "info" || level == "INFO") lvl = spdlog::level::info;
    else if (level == "warn" || level == "WARN" || level == "warning") lvl = spdlog::level::warn;
    else if (level == "error" || level == "EROR" || level == "ERROR") lvl = spdlog::level::err;
    else return false;
    auto logger = spdlog::stderr_logger_mt("director");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(lvl);
    spdlog::flush_on(spdlog::level::trace);
    return true;
}

}  // namespace director
