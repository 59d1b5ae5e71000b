#pragma once
// IPv4 address text <-> host-order integer, for logs and status.
#include <cstdint>
#include <optional>
#include <string>

namespace vrrp {
std::string format_ip(uint32_t host_order);
std::optional<uint32_t> parse_ip(const std::string& s);
}  // namespace vrrp
