#pragma once
// Synchronous commands for the director's own tools (iptables, ipset, ip, modprobe): exec the binary with
// a PATH search, no shell, stdin from /dev/null (or given text), stdout and stderr captured together, and wait. Blocks the
// caller: for short tools on paths that may block; scripts with timeouts use run_process (process.hpp).
#include <sys/types.h>

#include <string>
#include <vector>

namespace host {

struct CommandResult {
    bool started = false;  // false: could not be started (output says why)
    int status = -1;       // exit status, or -1 if it could not be started / was killed
    std::string output;    // stdout + stderr without trailing blanks, for error messages
};

CommandResult run_command(const std::vector<std::string>& argv);
// The same with `input` as the program's stdin (iptables-restore's rules). Held in a memory file rather
// than a pipe, so input of any size cannot block on a child that writes before it reads.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input);

// Starts argv (PATH search, no shell) in a session of its own, stdin from /dev/null, stdout and stderr
// appended to `log`, and returns its pid without waiting: for processes that outlive the command that
// starts them (the lab's daemons). Throws std::runtime_error when it cannot be started.
pid_t start_detached(const std::vector<std::string>& argv, const std::string& log);

}  // namespace host
