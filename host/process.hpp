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

namespace host {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is the program path (an absolute path, or searched in PATH)
    std::chrono::milliseconds timeout{0};  // 0: no timeout
    std::optional<std::string> user;       // run as this user (needs root)
    std::optional<std::string> group;      // run as this group; default: the user's primary group
    // enable_script_security: right before each run the program's path is resolved component by
    // component and checked (secure_program), and exactly the checked file is executed, so a symlink
    // repointed after an earlier run is caught. An insecure program is not run (SpawnFailed).
    bool secure = false;
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
// Resolves `path` (PATH search for a bare name, then every symlink) one component at a time and checks
// every directory it passes through, every directory holding a symlink it follows, and the final file:
// each must be owned by root or `trusted_uid` and not writable by others (a sticky world-writable
// directory such as /tmp passes only for entries a trusted user owns). On success `resolved` is the
// final file to execute; otherwise the reason.
struct SecureProgram {
    std::string resolved;             // set when secure
    std::optional<std::string> why;   // set when not
};
SecureProgram secure_program(const std::string& path, uid_t trusted_uid = 0);
// The reason `path` is insecure, or nullopt.
std::optional<std::string> script_insecurity(const std::string& path, uid_t trusted_uid = 0);
// Where a program named by a script line would be found (PATH search for a bare name), or nullopt.
std::optional<std::string> find_program(const std::string& name);

}  // namespace host
