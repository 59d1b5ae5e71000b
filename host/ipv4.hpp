#pragma once
// IPv4 text <-> host-byte-order integers, and "IP:PORT" endpoints. The one place every layer (vrrp,
// healthcheck, director) converts addresses, so logs, config errors and status print them the same way.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace host {

// A dotted quad as inet_pton takes it (no leading zeros, no shorthand); nullopt otherwise.
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t host_order);

struct Endpoint {
    uint32_t address = 0;  // host byte order
    uint16_t port = 0;
    auto operator<=>(const Endpoint&) const = default;
};

// "IP:PORT" with a port in 1..65535; nullopt otherwise.
std::optional<Endpoint> parse_endpoint(std::string_view text);
std::string format_endpoint(const Endpoint& e);
// "10.0.0.1:80"; port 0 prints as 0 (IPVS fwmark and wildcard entries).
std::string format_addr_port(uint32_t host_order, uint16_t port);

}  // namespace host
