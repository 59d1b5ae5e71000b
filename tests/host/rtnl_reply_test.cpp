// rtnetlink replies decoded with libnl's parsers: messages are built with libnl's own request builders
// (a RTM_NEWLINK/RTM_NEWADDR request has the reply's layout) and acks by hand, as the kernel lays them out.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "host/rtnl_reply.hpp"

using host::rtnl::decode_reply;

namespace {

void append(std::vector<uint8_t>& out, nl_msg* msg) {
    nlmsghdr* h = nlmsg_hdr(msg);
    auto* p = reinterpret_cast<uint8_t*>(h);
    out.insert(out.end(), p, p + NLMSG_ALIGN(h->nlmsg_len));
    nlmsg_free(msg);
}

void append_link(std::vector<uint8_t>& out, int ifindex, const char* name, const char* kind) {
    rtnl_link* l = rtnl_link_alloc();
    rtnl_link_set_ifindex(l, ifindex);
    rtnl_link_set_name(l, name);
    if (kind) rtnl_link_set_type(l, kind);
    nl_msg* msg = nullptr;
    ASSERT_EQ(rtnl_link_build_add_request(l, 0, &msg), 0);
    rtnl_link_put(l);
    append(out, msg);
}

void append_addr(std::vector<uint8_t>& out, int ifindex, const char* cidr) {
    rtnl_addr* a = rtnl_addr_alloc();
    nl_addr* local = nullptr;
    ASSERT_EQ(nl_addr_parse(cidr, AF_INET, &local), 0);
    rtnl_addr_set_ifindex(a, ifindex);
    rtnl_addr_set_local(a, local);
    nl_msg* msg = nullptr;
    ASSERT_EQ(rtnl_addr_build_add_request(a, 0, &msg), 0);
    nl_addr_put(local);
    rtnl_addr_put(a);
    append(out, msg);
}

void append_control(std::vector<uint8_t>& out, uint16_t type, int32_t error) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_len = NLMSG_LENGTH(type == NLMSG_ERROR ? sizeof(nlmsgerr) : sizeof(int32_t));
    std::vector<uint8_t> m(NLMSG_ALIGN(h.nlmsg_len));
    std::memcpy(m.data(), &h, sizeof h);
    std::memcpy(m.data() + NLMSG_HDRLEN, &error, sizeof error);
    out.insert(out.end(), m.begin(), m.end());
}

}  // namespace

TEST(RtnlReply, LinkReplyGivesIndexNameAndKind) {
    std::vector<uint8_t> bytes;
    append_link(bytes, 7, "lvscare", "dummy");
    append_control(bytes, NLMSG_ERROR, 0);
    auto r = decode_reply(bytes);
    ASSERT_EQ(r.links.size(), 1u);
    EXPECT_EQ(r.links[0].ifindex, 7);
    EXPECT_EQ(r.links[0].name, "lvscare");
    EXPECT_EQ(r.links[0].kind, "dummy");
    EXPECT_EQ(r.acks, std::vector<int>{0});
}

TEST(RtnlReply, LinkWithoutLinkInfoHasNoKind) {
    std::vector<uint8_t> bytes;
    append_link(bytes, 1, "eth0", nullptr);
    auto r = decode_reply(bytes);
    ASSERT_EQ(r.links.size(), 1u);
    EXPECT_EQ(r.links[0].kind, "");
}

TEST(RtnlReply, AddressDumpGivesEveryAddressUntilDone) {
    std::vector<uint8_t> bytes;
    append_addr(bytes, 2, "198.18.0.1/24");
    append_addr(bytes, 3, "198.18.0.100/32");
    append_control(bytes, NLMSG_DONE, 0);
    auto r = decode_reply(bytes);
    ASSERT_EQ(r.addresses.size(), 2u);
    EXPECT_EQ(r.addresses[1].family, AF_INET);
    EXPECT_EQ(r.addresses[1].ifindex, 3);
    EXPECT_EQ(r.addresses[1].prefixlen, 32);
    EXPECT_EQ(r.addresses[1].local, (std::vector<uint8_t>{198, 18, 0, 100}));
    EXPECT_EQ(r.addresses[0].prefixlen, 24);
}

TEST(RtnlReply, ErrorAckEndsTheWalkWithLibnlsCode) {
    std::vector<uint8_t> bytes;
    append_control(bytes, NLMSG_ERROR, -ENODEV);
    append_link(bytes, 9, "late", "dummy");
    auto r = decode_reply(bytes);
    EXPECT_EQ(r.acks, std::vector<int>{-NLE_NODEV});
    EXPECT_TRUE(r.links.empty());
}

TEST(RtnlReply, TruncatedAndForeignMessagesAreNotDecoded) {
    std::vector<uint8_t> bytes;
    append_link(bytes, 4, "eth1", "veth");
    auto whole = bytes;
    bytes.resize(bytes.size() - 1);  // the header now claims more than the datagram holds
    EXPECT_TRUE(decode_reply(bytes).links.empty());

    nlmsghdr* h = reinterpret_cast<nlmsghdr*>(whole.data());
    h->nlmsg_type = RTM_NEWROUTE;
    auto r = decode_reply(whole);
    EXPECT_TRUE(r.links.empty());
    EXPECT_EQ(r.rejected, 1u);
}
