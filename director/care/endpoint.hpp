#pragma once
// "IP:PORT" as lvscare takes it for --vs and --rs (IPv4; the address kept in host byte order like
// director::ipvs).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace director::care {

struct Endpoint {
    uint32_t address = 0;
    uint16_t port = 0;
    auto operator<=>(const Endpoint&) const = default;
};

std::optional<uint32_t> parse_ipv4(std::string_view text);
std::optional<Endpoint> parse_endpoint(std::string_view text);  // port 1..65535 required
std::string format_ipv4(uint32_t address);
std::string format_endpoint(const Endpoint& e);

}  // namespace director::care
