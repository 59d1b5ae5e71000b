#pragma once
// The lab's hands on this machine: network namespaces, veth links and detached processes, all through
// iproute2's `ip` so an operator can repeat any step by hand. Nothing here touches the root namespace's
// links or addresses: links are created inside the lab's own namespaces.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace director::lab {

// Runs `ip ARGS...`; throws std::runtime_error with ip's own message when it fails.
void ip(const std::vector<std::string>& args);
// Runs ARGV inside namespace NS and waits; throws with its output when it exits non-zero.
void run_in(const std::string& ns, const std::vector<std::string>& argv);

// Names of the network namespaces `ip netns` knows, starting with `prefix`.
std::vector<std::string> namespaces(const std::string& prefix);
// Live processes whose network namespace is NS.
std::vector<pid_t> namespace_pids(const std::string& ns);

// Starts ARGV inside NS in a session of its own, stdin from /dev/null, stdout and stderr appended to
// LOG; does not wait. Returns its pid (ip execs the program, so the pid is the program's).
pid_t spawn_in(const std::string& ns, const std::vector<std::string>& argv, const std::filesystem::path& log);

// SIGTERM to every process in NS, SIGKILL to what is left after `grace`; returns once none is left.
void stop_processes(const std::string& ns, std::chrono::milliseconds grace);
// SIGTERM (then SIGKILL after `grace`) to one pid, if it still runs.
void stop_process(pid_t pid, std::chrono::milliseconds grace);
bool process_alive(pid_t pid);

// Removes NS (its links go with it); no error when it is already gone.
void delete_namespace(const std::string& ns);

}  // namespace director::lab
