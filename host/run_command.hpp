#pragma once
// Synchronous commands for the director's own tools (iptables, ipset, ip, modprobe): exec the binary with
// a PATH search, no shell, stdin from /dev/null, stdout and stderr captured together, and wait. Blocks the
// caller: for short tools on paths that may block; scripts with timeouts use run_process (process.hpp).
#include <string>
#include <vector>

namespace host {

struct CommandResult {
    bool started = false;  // false: could not be started (output says why)
    int status = -1;       // exit status, or -1 if it could not be started / was killed
    std::string output;    // stdout + stderr without trailing blanks, for error messages
};

CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace host
