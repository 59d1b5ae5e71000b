#include "host/rtnl_reply.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <cstring>
#include <memory>

namespace host::rtnl {

LinkFacts link_facts(rtnl_link* link) {
    LinkFacts f;
    f.ifindex = rtnl_link_get_ifindex(link);
    if (const char* name = rtnl_link_get_name(link)) f.name = name;
    if (const char* kind = rtnl_link_get_type(link)) f.kind = kind;
    return f;
}

AddressFacts address_facts(rtnl_addr* addr) {
    AddressFacts f;
    f.family = rtnl_addr_get_family(addr);
    f.ifindex = rtnl_addr_get_ifindex(addr);
    f.prefixlen = rtnl_addr_get_prefixlen(addr);
    if (nl_addr* local = rtnl_addr_get_local(addr)) {
        auto* p = static_cast<const uint8_t*>(nl_addr_get_binary_addr(local));
        f.local.assign(p, p + nl_addr_get_len(local));
    }
    return f;
}

namespace {

struct MsgFree {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};

void collect(nl_object* obj, void* arg) {
    auto* out = static_cast<Reply*>(arg);
    const char* type = nl_object_get_type(obj);
    if (!type) return;
    if (std::strcmp(type, "route/link") == 0) out->links.push_back(link_facts(reinterpret_cast<rtnl_link*>(obj)));
    else if (std::strcmp(type, "route/addr") == 0)
        out->addresses.push_back(address_facts(reinterpret_cast<rtnl_addr*>(obj)));
}

}  // namespace

Reply decode_reply(std::span<const uint8_t> datagram) {
    Reply out;
    // libnl receives into a malloc'd buffer, so headers are aligned there; so are new[]'s, and a copy of
    // exactly the datagram's size lets a sanitizer see any read past its end.
    std::unique_ptr<uint8_t[]> buf(new uint8_t[datagram.size()]);
    if (!datagram.empty()) std::memcpy(buf.get(), datagram.data(), datagram.size());
    int left = static_cast<int>(datagram.size());
    auto* h = reinterpret_cast<nlmsghdr*>(buf.get());
    // The same walk and the same per-type decisions as libnl's receive loop with default callbacks.
    for (; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_NOOP) continue;
        if (h->nlmsg_type == NLMSG_OVERRUN) {
            out.acks.push_back(-NLE_MSG_OVERFLOW);
            break;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
            if (h->nlmsg_len < static_cast<uint32_t>(nlmsg_size(sizeof(nlmsgerr)))) {
                out.acks.push_back(-NLE_MSG_TRUNC);
                break;
            }
            const int err = static_cast<nlmsgerr*>(nlmsg_data(h))->error;
            out.acks.push_back(err ? -nl_syserr2nlerr(err) : 0);
            if (err) break;
            continue;
        }
        // Only the replies care mode and the VIP code ask for; libnl picks the link or address parser by type.
        if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_NEWADDR) {
            ++out.rejected;
            continue;
        }
        std::unique_ptr<nl_msg, MsgFree> msg(nlmsg_convert(h));
        if (!msg) break;
        nlmsg_set_proto(msg.get(), NETLINK_ROUTE);
        if (nl_msg_parse(msg.get(), collect, &out) < 0) ++out.rejected;
    }
    return out;
}

}  // namespace host::rtnl
