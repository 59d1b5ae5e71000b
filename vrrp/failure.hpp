#pragma once
// The drivers the VRRP loop calls (raw socket, VIPs, gratuitous ARP, routes) never throw: an advert or a
// transition must go on whatever one of them hit. They return nullopt when done, or why not, which the
// instance logs and keeps as its last error.
#include <optional>
#include <string>

namespace vrrp {

using Failure = std::optional<std::string>;

}  // namespace vrrp
