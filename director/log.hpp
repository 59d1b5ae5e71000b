#pragma once
#include <optional>
#include <string>

#include <spdlog/common.h>

namespace director {

// Level names as spdlog, keepalived and lvscare users write them, in any case: trace, debug, info,
// warn/warning, err/error, critical/crit, off, and lvscare's DEBG and EROR. nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name);
// The names parse_log_level accepts, for help and error messages.
const char* log_level_names();

// stderr logger with timestamps; when stderr is the journal (JOURNAL_STREAM names it), each line starts with
// its syslog priority ("<4>") instead, so `journalctl -p warning` works. Returns false for a level name
// parse_log_level rejects.
bool setup_logging(const std::string& level);
// LOG_DEBUG (7) .. LOG_CRIT (2) for a spdlog level.
int syslog_priority(spdlog::level::level_enum level);
// Whether JOURNAL_STREAM ("DEV:INODE") names the file stderr is now.
bool stderr_is_journal(const char* journal_stream);

}  // namespace director
