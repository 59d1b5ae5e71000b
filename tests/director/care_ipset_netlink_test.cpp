// The nfnetlink messages link mode sends instead of running `ipset`, checked attribute by attribute
// against what the kernel's ip_set core requires (protocol, nesting and byte-order flags).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/ipset/ip_set.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <cstring>
#include <map>

#include "director/care/ipset_netlink.hpp"

using namespace director::care;

namespace {

struct Attr {
    uint16_t flags;  // NLA_F_NESTED / NLA_F_NET_BYTEORDER
    std::vector<uint8_t> value;
};

std::map<uint16_t, Attr> attrs(const uint8_t* p, size_t len) {
    std::map<uint16_t, Attr> out;
    while (len >= NLA_HDRLEN) {
        nlattr a;
        std::memcpy(&a, p, sizeof a);
        EXPECT_GE(a.nla_len, NLA_HDRLEN);
        EXPECT_LE(a.nla_len, len);
        if (a.nla_len < NLA_HDRLEN || a.nla_len > len) break;
        out[a.nla_type & NLA_TYPE_MASK] = {static_cast<uint16_t>(a.nla_type & ~NLA_TYPE_MASK),
                                           std::vector<uint8_t>(p + NLA_HDRLEN, p + a.nla_len)};
        size_t step = NLA_ALIGN(a.nla_len);
        if (step >= len) break;
        p += step;
        len -= step;
    }
    return out;
}

std::map<uint16_t, Attr> top(const NlBytes& m, uint8_t cmd, uint16_t flags) {
    nlmsghdr h;
    std::memcpy(&h, m.data(), sizeof h);
    EXPECT_EQ(h.nlmsg_len, m.size());
    EXPECT_EQ(h.nlmsg_type, (NFNL_SUBSYS_IPSET << 8) | cmd);
    EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | flags);
    nfgenmsg g;
    std::memcpy(&g, m.data() + NLMSG_HDRLEN, sizeof g);
    EXPECT_EQ(g.nfgen_family, NFPROTO_IPV4);
    size_t fixed = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof g);
    auto a = attrs(m.data() + fixed, m.size() - fixed);
    EXPECT_EQ(a[IPSET_ATTR_PROTOCOL].value, std::vector<uint8_t>{IPSET_PROTOCOL_MIN});
    return a;
}

std::string str(const Attr& a) { return std::string(reinterpret_cast<const char*>(a.value.data()), a.value.size()); }

}  // namespace

TEST(CareIpsetNetlink, AddCarriesIpPortAndTcpNestedInNetworkOrderWithoutExcl) {
    auto m = ipset_add_message("VIRTUAL-IP", *parse_endpoint("169.254.0.1:6443"), 7);
    // no NLM_F_EXCL: an entry already in the set is no error, like `ipset add -exist`
    auto a = top(m, IPSET_CMD_ADD, NLM_F_ACK);
    EXPECT_EQ(str(a[IPSET_ATTR_SETNAME]), std::string("VIRTUAL-IP\0", 11));
    ASSERT_TRUE(a.count(IPSET_ATTR_DATA));
    EXPECT_EQ(a[IPSET_ATTR_DATA].flags, NLA_F_NESTED);
    auto data = attrs(a[IPSET_ATTR_DATA].value.data(), a[IPSET_ATTR_DATA].value.size());
    ASSERT_EQ(data.size(), 3u);
    EXPECT_EQ(data[IPSET_ATTR_IP].flags, NLA_F_NESTED);
    auto ip = attrs(data[IPSET_ATTR_IP].value.data(), data[IPSET_ATTR_IP].value.size());
    EXPECT_EQ(ip[IPSET_ATTR_IPADDR_IPV4].flags, NLA_F_NET_BYTEORDER);
    EXPECT_EQ(ip[IPSET_ATTR_IPADDR_IPV4].value, (std::vector<uint8_t>{169, 254, 0, 1}));
    EXPECT_EQ(data[IPSET_ATTR_PORT].flags, NLA_F_NET_BYTEORDER);
    EXPECT_EQ(data[IPSET_ATTR_PORT].value, (std::vector<uint8_t>{6443 >> 8, 6443 & 0xff}));
    EXPECT_EQ(data[IPSET_ATTR_PROTO].value, std::vector<uint8_t>{IPPROTO_TCP});
}

TEST(CareIpsetNetlink, CreateNamesTypeRevisionAndFamily) {
    auto a = top(ipset_create_message("VIRTUAL-IP", "hash:ip,port", 6, 1), IPSET_CMD_CREATE, NLM_F_ACK | NLM_F_CREATE);
    EXPECT_EQ(str(a[IPSET_ATTR_TYPENAME]), std::string("hash:ip,port\0", 13));
    EXPECT_EQ(a[IPSET_ATTR_REVISION].value, std::vector<uint8_t>{6});
    EXPECT_EQ(a[IPSET_ATTR_FAMILY].value, std::vector<uint8_t>{NFPROTO_IPV4});
    EXPECT_EQ(a[IPSET_ATTR_DATA].flags, NLA_F_NESTED);
}

TEST(CareIpsetNetlink, TypeAndDestroyMessages) {
    auto t = top(ipset_type_message("hash:ip,port", 1), IPSET_CMD_TYPE, NLM_F_ACK);
    EXPECT_EQ(str(t[IPSET_ATTR_TYPENAME]), std::string("hash:ip,port\0", 13));
    auto d = top(ipset_destroy_message("VIRTUAL-IP", 1), IPSET_CMD_DESTROY, NLM_F_ACK);
    EXPECT_EQ(str(d[IPSET_ATTR_SETNAME]), std::string("VIRTUAL-IP\0", 11));
}

TEST(CareIpsetNetlink, NamesTheKernelWouldRejectAreRefusedHere) {
    EXPECT_THROW(ipset_add_message("", *parse_endpoint("1.2.3.4:80"), 1), std::invalid_argument);
    EXPECT_THROW(ipset_destroy_message(std::string(IPSET_MAXNAMELEN, 'x'), 1), std::invalid_argument);
}

TEST(CareIpsetNetlink, TypeReplyRevisionIsRead) {
    // The kernel's answer to TYPE: protocol, type name, family, revision (highest), revision min.
    std::vector<uint8_t> m(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)), 0);
    auto put = [&m](uint16_t type, std::vector<uint8_t> v) {
        nlattr a{static_cast<uint16_t>(NLA_HDRLEN + v.size()), type};
        size_t at = m.size();
        m.resize(at + NLA_ALIGN(a.nla_len), 0);
        std::memcpy(m.data() + at, &a, sizeof a);
        std::memcpy(m.data() + at + NLA_HDRLEN, v.data(), v.size());
    };
    put(IPSET_ATTR_PROTOCOL, {7});
    put(IPSET_ATTR_TYPENAME, {'h', 0});
    put(IPSET_ATTR_FAMILY, {NFPROTO_IPV4});
    put(IPSET_ATTR_REVISION, {6});
    put(IPSET_ATTR_REVISION_MIN, {0});
    nlmsghdr h{};
    h.nlmsg_len = static_cast<uint32_t>(m.size());
    h.nlmsg_type = (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_TYPE;
    std::memcpy(m.data(), &h, sizeof h);
    EXPECT_EQ(ipset_reply_revision(m.data(), m.size()), 6);
    EXPECT_EQ(ipset_reply_revision(m.data(), 12), -1);  // cut short
    h.nlmsg_type = (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_LIST;
    std::memcpy(m.data(), &h, sizeof h);
    EXPECT_EQ(ipset_reply_revision(m.data(), m.size()), -1);  // not a TYPE reply
}

TEST(CareIpsetNetlink, KernelErrorsReadAsWords) {
    EXPECT_EQ(ipset_error_text(ENOENT), "the set does not exist");
    EXPECT_NE(ipset_error_text(IPSET_ERR_BUSY).find("in use"), std::string::npos);
    EXPECT_EQ(ipset_error_text(IPSET_ERR_TYPE_SPECIFIC + 3), "ipset kernel error 4355");
}
