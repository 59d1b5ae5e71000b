#pragma once
// Asynchronous child processes for MISC_CHECK, vrrp_script/track scripts and notify scripts.
// A process runs its argv directly (no shell), optionally as another user/group, in its own process
// group so a timeout can kill everything it started. Completion is reported on the io_context; nothing
// here ever blocks it (exit is observed through a pidfd).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace healthcheck {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is the program path (an absolute path, or searched in PATH)
    std::chrono::milliseconds timeout{0};  // 0: no timeout
    std::optional<std::string> user;       // run as this user (needs root)
    std::optional<std::string> group;      // run as this group; default: the user's primary group
};

struct ProcessResult {
    enum Outcome { Exited, Signalled, TimedOut, SpawnFailed } outcome = SpawnFailed;
    int code = 0;       // exit status for Exited, signal number for Signalled
    std::string error;  // why, for SpawnFailed
    std::chrono::milliseconds elapsed{0};

    bool success() const { return outcome == Exited && code == 0; }
    std::string describe() const;  // "exit 1", "killed by signal 9", "timed out after 2000 ms", ...
};

using ProcessCallback = std::function<void(const ProcessResult&)>;

// Starts the process and returns at once. The callback runs on `io` exactly once. When the timeout expires
// the whole process group gets SIGKILL and the result is TimedOut.
void run_process(boost::asio::io_context& io, ProcessSpec spec, ProcessCallback done);

// Splits a keepalived script line ("/path/script arg 'quoted arg'") into argv without invoking a shell.
// Single and double quotes group words; backslash escapes the next character. nullopt on unbalanced quotes.
std::optional<std::vector<std::string>> split_command_line(const std::string& line);

// keepalived's script security: a script run with privileges must not be modifiable by anybody else.
// Returns why `path` is insecure (the file or one of its parent directories is writable by a user other
// than root and `trusted_uid`, or it is not an executable regular file), or nullopt when it is safe.
std::optional<std::string> script_insecurity(const std::string& path, uid_t trusted_uid = 0);

}  // namespace healthcheck
