#include "vrrp/link.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace vrrp {

std::optional<LinkInfo> read_link(const std::string& ifname) {
    if (ifname.size() >= IFNAMSIZ) return std::nullopt;
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    LinkInfo info;
    ifreq req{};
    std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    bool ok = ::ioctl(fd, SIOCGIFINDEX, &req) == 0;
    if (ok) info.ifindex = req.ifr_ifindex;
    if (ok && ::ioctl(fd, SIOCGIFFLAGS, &req) == 0)
        info.up = (req.ifr_flags & IFF_UP) && (req.ifr_flags & IFF_RUNNING);
    if (ok && ::ioctl(fd, SIOCGIFHWADDR, &req) == 0)
        std::memcpy(info.mac.data(), req.ifr_hwaddr.sa_data, info.mac.size());
    ::close(fd);
    if (!ok) return std::nullopt;
    return info;
}

std::optional<uint32_t> primary_ipv4(const std::string& ifname, const std::vector<uint32_t>& skip) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return std::nullopt;
    std::optional<uint32_t> found;
    for (ifaddrs* a = list; a && !found; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || ifname != a->ifa_name) continue;
        uint32_t ip = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
        if (std::find(skip.begin(), skip.end(), ip) == skip.end()) found = ip;
    }
    ::freeifaddrs(list);
    return found;
}

}  // namespace vrrp
