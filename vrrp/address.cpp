#include "vrrp/address.hpp"

#include <arpa/inet.h>

namespace vrrp {

std::string format_ip(uint32_t host_order) {
    in_addr a{htonl(host_order)};
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

}  // namespace vrrp
