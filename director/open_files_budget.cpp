#include "director/open_files_budget.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/fmt/fmt.h>

namespace director {

namespace {

bool keeps_alive(const config::CheckerConf& c) {
    // The same rule the HTTP checker applies: more than one response per connection, and not "1.0C".
    return c.is_http() && c.keepalive_requests > 1 && (c.http_protocol.empty() || c.http_protocol.back() != 'C');
}

// The share of the time a checker without a kept connection holds `fds` descriptors.
double transient_share(const config::CheckerConf& c) {
    const bool misc = c.kind == config::CheckerKind::Misc;
    const double fds = misc ? 2 : 1;
    const long long timeout = misc ? c.misc_timeout_ms : c.connect_timeout_ms;
    if (c.delay_loop_ms <= 0 || timeout < 0) return fds;  // unresolved values: assume always busy
    return fds * std::min(1.0, static_cast<double>(timeout) / static_cast<double>(c.delay_loop_ms));
}

}  // namespace

OpenFilesNeed open_files_needed(const config::Config& cfg) {
    OpenFilesNeed need;
    double transient = 0;
    for (const auto& vs : cfg.virtual_servers)
        for (const auto& rs : vs.real_servers)
            for (const auto& c : rs.checkers) {
                if (keeps_alive(c)) ++need.kept;
                else transient += transient_share(c);
            }
    need.transient = static_cast<uint64_t>(std::ceil(transient - 1e-9));
    need.daemon = kDaemonDescriptors + kDescriptorsPerVrrpInstance * cfg.vrrp_instances.size();
    return need;
}

std::string open_files_warning(const OpenFilesNeed& need, uint64_t limit) {
    if (need.total() <= limit) return "";
    return fmt::format(
        "open files limit {} is below the {} descriptors this config may need ({} kept by keep-alive HTTP_GET/SSL_GET "
        "checks, up to {} for checks without a kept connection, {} for the daemon itself): checks past the limit "
        "fail with \"Too many open files\". Raise the limit (LimitNOFILE= in the systemd unit, ulimit -n / prlimit "
        "--nofile) or set keepalive_requests 1 in HTTP_GET/SSL_GET blocks so they hold no socket between checks",
        limit, need.total(), need.kept, need.transient, need.daemon);
}

}  // namespace director
