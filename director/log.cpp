#include "director/log.hpp"

#include <algorithm>
#include <cctype>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
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

int syslog_priority(spdlog::level::level_enum level) {
    using L = spdlog::level::level_enum;
    switch (level) {
        case L::trace:
        case L::debug: return 7;  // LOG_DEBUG
        case L::info: return 6;   // LOG_INFO
        case L::warn: return 4;   // LOG_WARNING
        case L::err: return 3;    // LOG_ERR
        case L::critical: return 2;  // LOG_CRIT
        default: return 6;
    }
}

bool stderr_is_journal(const char* journal_stream) {
    // systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connected; a redirect since then (a test,
    // `2>file`) makes stderr something else, and then the prefix would only be noise.
    if (!journal_stream || !*journal_stream) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(journal_stream, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

namespace {
// "%*" in the pattern: the line's syslog priority as the journal reads it, "<4>" for a warning.
class PriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        std::string p = "<" + std::to_string(syslog_priority(msg.level)) + ">";
        dest.append(p.data(), p.data() + p.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PriorityFlag>(); }
};
}  // namespace

bool setup_logging(const std::string& level) {
    auto lvl = parse_log_level(level);
    if (!lvl) return false;
    auto logger = spdlog::stderr_logger_mt("director");
    spdlog::set_default_logger(logger);
    if (stderr_is_journal(std::getenv("JOURNAL_STREAM"))) {
        // The journal stamps the time itself; the prefix makes `journalctl -p warning` work.
        auto f = std::make_unique<spdlog::pattern_formatter>();
        f->add_flag<PriorityFlag>('*').set_pattern("%*%l %v");
        spdlog::set_formatter(std::move(f));
    } else {
        spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    }
    spdlog::set_level(*lvl);
    spdlog::flush_on(spdlog::level::trace);
    return true;
}

}  // namespace director
