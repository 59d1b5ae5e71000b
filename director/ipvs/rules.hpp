#pragma once
// ipvsadm's command syntax (what `ipvsadm-save -n` writes and `ipvsadm-restore` reads), parsed into
// operations so `director ipvs restore` can apply the same files, pipelined.
#include <string>
#include <vector>

#include "director/ipvs/ops.hpp"

namespace director::ipvs {

struct RuleCommand {
    enum class Kind { Change, Clear, Zero, SetTimeouts, StartDaemon, StopDaemon };
    Kind kind = Kind::Change;
    Op op;                 // Change
    Timeouts timeouts;     // SetTimeouts
    SyncDaemon daemon;     // StartDaemon / StopDaemon (state only)
    int line = 0;
};

struct RuleParse {
    std::vector<RuleCommand> commands;
    std::vector<std::string> errors;  // "line N: ..."
};

// One command per line; blank lines and '#' comments are skipped.
RuleParse parse_rules(const std::string& text);
// One command from argv-style words (without the program name); `line` is used in errors.
bool parse_rule_words(const std::vector<std::string>& words, int line, RuleCommand& out, std::string& error);

}  // namespace director::ipvs
