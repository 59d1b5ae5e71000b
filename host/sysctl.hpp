#pragma once
// /proc/sys files: read, write, and "set unless already set". Paths are under an injectable root so the
// tests run against a temp directory; /proc/sys is per network namespace, so the process's own
// namespace is the one read and changed.
#include <optional>
#include <string>

namespace host {

// "net.ipv4.vs.conntrack" -> "<root>/net/ipv4/vs/conntrack". Only for names without dots in a part
// (interface names may have dots: build those paths yourself).
std::string sysctl_path(const std::string& dotted_name, const std::string& root = "/proc/sys");

// The first line of the file without trailing blanks, or nullopt when it cannot be read.
std::optional<std::string> read_sysctl(const std::string& path);
// Writes "value\n". On failure returns false with errno set by the failing call.
bool write_sysctl(const std::string& path, const std::string& value);

struct SysctlResult {
    bool changed = false;
    std::string old_value;
    std::string error;  // non-empty: could not read or write
};

// Writes `value` to <proc_root>/<dotted name> unless it already holds it.
SysctlResult ensure_sysctl(const std::string& name, const std::string& value,
                           const std::string& proc_root = "/proc/sys");

}  // namespace host
