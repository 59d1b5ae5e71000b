#include "host/ipv4.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace host {

std::optional<uint32_t> parse_ipv4(std::string_view text) {
    std::string s(text);  // inet_pton needs a terminated string
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t host_order) {
    in_addr a{htonl(host_order)};
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto ip = parse_ipv4(text.substr(0, colon));
    if (!ip) return std::nullopt;
    auto port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
        return std::nullopt;
    return Endpoint{*ip, static_cast<uint16_t>(port)};
}

std::string format_addr_port(uint32_t host_order, uint16_t port) {
    return format_ipv4(host_order) + ":" + std::to_string(port);
}

std::string format_endpoint(const Endpoint& e) { return format_addr_port(e.address, e.port); }

}  // namespace host
