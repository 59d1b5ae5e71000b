#pragma once
// What care mode and the real-server VIP code read from rtnetlink replies, and a decoder that turns one
// received datagram into those facts with libnl's own message parsers (the ones rtnl_link_get_kernel()
// and rtnl_addr_alloc_cache() run), so the fuzzer reaches them without a socket.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

struct rtnl_link;
struct rtnl_addr;

namespace host::rtnl {

// An RTM_NEWLINK as care mode judges it: is it our dummy interface, and which index.
struct LinkFacts {
    int ifindex = 0;
    std::string name;
    std::string kind;  // IFLA_INFO_KIND ("dummy"), "" when absent
};

// An RTM_NEWADDR as `director realserver` compares it with its VIP.
struct AddressFacts {
    int family = 0;
    int ifindex = 0;
    int prefixlen = 0;
    std::vector<uint8_t> local;  // IFA_LOCAL, network byte order; empty when absent
};

LinkFacts link_facts(rtnl_link* link);
AddressFacts address_facts(rtnl_addr* addr);

struct Reply {
    std::vector<int> acks;  // per NLMSG_ERROR: 0, or the negative libnl error code nl_recvmsgs() returns
    std::vector<LinkFacts> links;
    std::vector<AddressFacts> addresses;
    size_t rejected = 0;  // other message types, and messages libnl's parser refused (a dump skips them)
};

// `datagram`: one recv() from a NETLINK_ROUTE socket, any bytes. Walks it as libnl's receive loop does:
// stops at the first header that does not fit, at an error or at an overrun.
Reply decode_reply(std::span<const uint8_t> datagram);

}  // namespace host::rtnl
