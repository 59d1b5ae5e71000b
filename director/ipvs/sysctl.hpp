#pragma once
// Kernel switches the forwarding methods depend on (ip_forward for NAT, IPVS conntrack when netfilter
// tracks connections), set only when needed and reported so the log says what changed.
#include <optional>
#include <string>

namespace director::ipvs {

struct SysctlResult {
    bool changed = false;
    std::string old_value;
    std::string error;  // non-empty: could not read or write
};

// Writes `value` to /proc/sys/<dotted name> unless it already holds it.
SysctlResult ensure_sysctl(const std::string& name, const std::string& value, const std::string& proc_root = "/proc/sys");
// Whether netfilter connection tracking is loaded (then IPVS must keep conntrack entries for NAT replies
// to pass stateful rules).
bool conntrack_loaded(const std::string& proc_root = "/proc/sys");

}  // namespace director::ipvs
