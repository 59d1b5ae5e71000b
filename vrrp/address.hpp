#pragma once
// Host-order IPv4 integer -> text, for logs and status.
#include <cstdint>
#include <optional>
#include <string>

namespace vrrp {
std::string format_ip(uint32_t host_order);
}  // namespace vrrp
