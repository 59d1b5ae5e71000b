#pragma once
// How many descriptors a config needs, against the open-files limit `director run` got (it raises its
// soft limit to the hard one at start). Exhausting the limit does not stop the daemon, but every check
// past it fails with "Too many open files", and the control socket and /metrics cannot accept either, so
// the shortfall is said once at start and after each reload, before it bites.
//
// The count, per checker defined (one per real_server block: a virtual_server group's members share it):
//  - HTTP_GET / SSL_GET with keep-alive (the default): one socket, held between checks;
//  - TCP_CHECK, and HTTP_GET / SSL_GET without keep-alive (keepalive_requests 1, http_protocol 1.0C):
//    one socket only during a check; MISC_CHECK: two (output pipe and process handle) while it runs.
//    A check lasts at most its timeout, so such a checker holds its descriptors for at most
//    timeout / delay_loop of the time: these are summed and rounded up (their steady-state peak when
//    every server is down and every check runs into its timeout);
//  - plus the daemon's own descriptors: a fixed allowance for the event loop, netlink and the pid file,
//    log, control socket and /metrics with their clients, and a few per VRRP instance.
#include <cstdint>
#include <string>

#include "director/config/model.hpp"

namespace director {

struct OpenFilesNeed {
    uint64_t kept = 0;       // keep-alive HTTP_GET / SSL_GET checkers
    uint64_t transient = 0;  // the peak of the others, rounded up
    uint64_t daemon = 0;     // the daemon's own allowance
    uint64_t total() const { return kept + transient + daemon; }
};

inline constexpr uint64_t kDaemonDescriptors = 64;
inline constexpr uint64_t kDescriptorsPerVrrpInstance = 2;

OpenFilesNeed open_files_needed(const config::Config& cfg);

// The warning to log when `limit` is below the need; empty when it is enough.
std::string open_files_warning(const OpenFilesNeed& need, uint64_t limit);

}  // namespace director
