#pragma once
// Kernel switches the forwarding methods depend on (ip_forward for NAT, IPVS conntrack when netfilter
// tracks connections), set only when needed and reported so the log says what changed.
#include <string>

#include "host/sysctl.hpp"

namespace director::ipvs {

using host::ensure_sysctl;
using host::SysctlResult;

// Whether netfilter connection tracking is loaded (then IPVS must keep conntrack entries for NAT replies
// to pass stateful rules).
bool conntrack_loaded(const std::string& proc_root = "/proc/sys");

}  // namespace director::ipvs
