// Requests are built with our encoder and parsed back with libnl against linux/ip_vs.h's attribute
// numbers; replies are built the way the kernel fills them and parsed with our decoder.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "director/ipvs/messages.hpp"

using namespace director::ipvs;
namespace m = director::ipvs::nlmsg;

namespace {

constexpr int kFamily = 0x1d;

struct Parsed {
    genlmsghdr* gh;
    nlattr* top[IPVS_CMD_ATTR_MAX + 1];
    nlattr* svc[IPVS_SVC_ATTR_MAX + 1] = {};
    nlattr* dest[IPVS_DEST_ATTR_MAX + 1] = {};
};

Parsed parse(nl_msg* msg) {
    Parsed p;
    nlmsghdr* h = nlmsg_hdr(msg);
    EXPECT_EQ(h->nlmsg_type, kFamily);
    p.gh = static_cast<genlmsghdr*>(nlmsg_data(h));
    EXPECT_EQ(genlmsg_parse(h, 0, p.top, IPVS_CMD_ATTR_MAX, nullptr), 0);
    if (p.top[IPVS_CMD_ATTR_SERVICE]) nla_parse_nested(p.svc, IPVS_SVC_ATTR_MAX, p.top[IPVS_CMD_ATTR_SERVICE], nullptr);
    if (p.top[IPVS_CMD_ATTR_DEST]) nla_parse_nested(p.dest, IPVS_DEST_ATTR_MAX, p.top[IPVS_CMD_ATTR_DEST], nullptr);
    return p;
}

uint32_t be_addr(nlattr* a) {
    uint32_t v;
    memcpy(&v, nla_data(a), 4);
    return ntohl(v);
}

Service web() {
    Service s;
    s.key = {Protocol::TCP, 0xC6120064, 6443, 0};
    s.scheduler = "wrr";
    s.flags = kFlagPersistent | kFlagHashed;
    s.timeout_s = 300;
    s.netmask = 0xFFFFFF00;
    return s;
}

}  // namespace

TEST(IpvsMessages, AddServiceCarriesEveryServiceAttribute) {
    auto msg = m::encode(kFamily, Op::add_service(web()));
    auto p = parse(msg.get());
    EXPECT_EQ(p.gh->cmd, IPVS_CMD_NEW_SERVICE);
    EXPECT_EQ(p.gh->version, IPVS_GENL_VERSION);
    EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_AF]), AF_INET);
    EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
    EXPECT_EQ(be_addr(p.svc[IPVS_SVC_ATTR_ADDR]), 0xC6120064u);
    EXPECT_EQ(ntohs(nla_get_u16(p.svc[IPVS_SVC_ATTR_PORT])), 6443);
    EXPECT_STREQ(nla_get_string(p.svc[IPVS_SVC_ATTR_SCHED_NAME]), "wrr");
    ip_vs_flags f;
    memcpy(&f, nla_data(p.svc[IPVS_SVC_ATTR_FLAGS]), sizeof f);
    EXPECT_EQ(f.flags, IP_VS_SVC_F_PERSISTENT);  // HASHED is the kernel's, never sent
    EXPECT_EQ(f.mask, 0xFFFFFFFFu);
    EXPECT_EQ(nla_get_u32(p.svc[IPVS_SVC_ATTR_TIMEOUT]), 300u);
    EXPECT_EQ(ntohl(nla_get_u32(p.svc[IPVS_SVC_ATTR_NETMASK])), 0xFFFFFF00u);
    EXPECT_EQ(p.svc[IPVS_SVC_ATTR_FWMARK], nullptr);
    EXPECT_EQ(p.top[IPVS_CMD_ATTR_DEST], nullptr);
}

TEST(IpvsMessages, EditAndDeleteUseTheirCommandsAndDeleteSendsOnlyTheKey) {
    EXPECT_EQ(parse(m::encode(kFamily, Op::edit_service(web())).get()).gh->cmd, IPVS_CMD_SET_SERVICE);
    auto msg = m::encode(kFamily, Op::del_service(web().key));
    auto p = parse(msg.get());
    EXPECT_EQ(p.gh->cmd, IPVS_CMD_DEL_SERVICE);
    EXPECT_NE(p.svc[IPVS_SVC_ATTR_PORT], nullptr);
    EXPECT_EQ(p.svc[IPVS_SVC_ATTR_SCHED_NAME], nullptr);
}

TEST(IpvsMessages, FwmarkServiceSendsMarkInsteadOfAddress) {
    Service s;
    s.key.fwmark = 77;
    auto msg = m::encode(kFamily, Op::add_service(s));
    auto p = parse(msg.get());
    EXPECT_EQ(nla_get_u32(p.svc[IPVS_SVC_ATTR_FWMARK]), 77u);
    EXPECT_EQ(p.svc[IPVS_SVC_ATTR_ADDR], nullptr);
    EXPECT_EQ(p.svc[IPVS_SVC_ATTR_PORT], nullptr);
}

TEST(IpvsMessages, DestinationOpsCarryServiceKeyAndDestination) {
    Destination d{0xC612000B, 6443, Forward::Route, 5, 100, 10};
    auto msg = m::encode(kFamily, Op::add_dest(web().key, d));
    auto p = parse(msg.get());
    EXPECT_EQ(p.gh->cmd, IPVS_CMD_NEW_DEST);
    EXPECT_EQ(ntohs(nla_get_u16(p.svc[IPVS_SVC_ATTR_PORT])), 6443);
    EXPECT_EQ(p.svc[IPVS_SVC_ATTR_SCHED_NAME], nullptr);
    EXPECT_EQ(be_addr(p.dest[IPVS_DEST_ATTR_ADDR]), 0xC612000Bu);
    EXPECT_EQ(ntohs(nla_get_u16(p.dest[IPVS_DEST_ATTR_PORT])), 6443);
    EXPECT_EQ(nla_get_u32(p.dest[IPVS_DEST_ATTR_FWD_METHOD]), static_cast<uint32_t>(IP_VS_CONN_F_DROUTE));
    EXPECT_EQ(nla_get_u32(p.dest[IPVS_DEST_ATTR_WEIGHT]), 5u);
    EXPECT_EQ(nla_get_u32(p.dest[IPVS_DEST_ATTR_U_THRESH]), 100u);
    EXPECT_EQ(nla_get_u32(p.dest[IPVS_DEST_ATTR_L_THRESH]), 10u);
    EXPECT_EQ(nla_get_u16(p.dest[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET);

    EXPECT_EQ(parse(m::encode(kFamily, Op::edit_dest(web().key, d)).get()).gh->cmd, IPVS_CMD_SET_DEST);
    auto del = m::encode(kFamily, Op::del_dest(web().key, d));
    auto pd = parse(del.get());
    EXPECT_EQ(pd.gh->cmd, IPVS_CMD_DEL_DEST);
    EXPECT_EQ(pd.dest[IPVS_DEST_ATTR_WEIGHT], nullptr);
}

TEST(IpvsMessages, TimeoutsAndDaemonRequests) {
    auto msg = m::set_config(kFamily, {900, 0, 300});
    auto p = parse(msg.get());
    EXPECT_EQ(p.gh->cmd, IPVS_CMD_SET_CONFIG);
    EXPECT_EQ(nla_get_u32(p.top[IPVS_CMD_ATTR_TIMEOUT_TCP]), 900u);
    EXPECT_EQ(p.top[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN], nullptr);  // 0 = unchanged: not sent
    EXPECT_EQ(nla_get_u32(p.top[IPVS_CMD_ATTR_TIMEOUT_UDP]), 300u);

    auto dm = m::new_daemon(kFamily, {SyncState::Backup, "eth0", 9});
    auto pd = parse(dm.get());
    EXPECT_EQ(pd.gh->cmd, IPVS_CMD_NEW_DAEMON);
    nlattr* tb[IPVS_DAEMON_ATTR_MAX + 1];
    ASSERT_EQ(nla_parse_nested(tb, IPVS_DAEMON_ATTR_MAX, pd.top[IPVS_CMD_ATTR_DAEMON], nullptr), 0);
    EXPECT_EQ(nla_get_u32(tb[IPVS_DAEMON_ATTR_STATE]), static_cast<uint32_t>(IP_VS_STATE_BACKUP));
    EXPECT_STREQ(nla_get_string(tb[IPVS_DAEMON_ATTR_MCAST_IFN]), "eth0");
    EXPECT_EQ(nla_get_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]), 9u);

    EXPECT_EQ(nlmsg_hdr(m::get_services(kFamily).get())->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
    EXPECT_EQ(parse(m::get_info(kFamily).get()).gh->cmd, IPVS_CMD_GET_INFO);
    EXPECT_EQ(parse(m::flush(kFamily).get()).gh->cmd, IPVS_CMD_FLUSH);
}

TEST(IpvsMessages, GetServiceAsksForThatServiceAloneNotADump) {
    auto msg = m::get_service(kFamily, web().key);
    EXPECT_EQ(nlmsg_hdr(msg.get())->nlmsg_flags & NLM_F_DUMP, 0);
    auto p = parse(msg.get());
    EXPECT_EQ(p.gh->cmd, IPVS_CMD_GET_SERVICE);
    EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
    EXPECT_EQ(be_addr(p.svc[IPVS_SVC_ATTR_ADDR]), web().key.address);
    EXPECT_EQ(ntohs(nla_get_u16(p.svc[IPVS_SVC_ATTR_PORT])), web().key.port);
    EXPECT_EQ(p.svc[IPVS_SVC_ATTR_SCHED_NAME], nullptr);  // the key only
}

TEST(IpvsMessages, ServiceReplyDecodesWith64BitStats) {
    m::MsgPtr msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
    nlattr* s = nla_nest_start(msg.get(), IPVS_CMD_ATTR_SERVICE);
    nla_put_u16(msg.get(), IPVS_SVC_ATTR_AF, AF_INET);
    nla_put_u16(msg.get(), IPVS_SVC_ATTR_PROTOCOL, IPPROTO_UDP);
    unsigned char addr[16] = {198, 18, 0, 100};  // the kernel sends a whole nf_inet_addr
    nla_put(msg.get(), IPVS_SVC_ATTR_ADDR, sizeof addr, addr);
    nla_put_u16(msg.get(), IPVS_SVC_ATTR_PORT, htons(53));
    nla_put_string(msg.get(), IPVS_SVC_ATTR_SCHED_NAME, "sh");
    ip_vs_flags f{IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED2, ~0u};
    nla_put(msg.get(), IPVS_SVC_ATTR_FLAGS, sizeof f, &f);
    nla_put_u32(msg.get(), IPVS_SVC_ATTR_TIMEOUT, 0);
    nla_put_u32(msg.get(), IPVS_SVC_ATTR_NETMASK, htonl(0xFFFFFFFF));
    nlattr* st = nla_nest_start(msg.get(), IPVS_SVC_ATTR_STATS64);
    nla_put_u64(msg.get(), IPVS_STATS_ATTR_CONNS, 5000000000ULL);
    nla_put_u64(msg.get(), IPVS_STATS_ATTR_INBYTES, 77);
    nla_nest_end(msg.get(), st);
    nla_nest_end(msg.get(), s);

    ServiceState out;
    ASSERT_TRUE(m::parse_service(nlmsg_hdr(msg.get()), out));
    EXPECT_EQ(out.service.key.protocol, Protocol::UDP);
    EXPECT_EQ(out.service.key.address, 0xC6120064u);
    EXPECT_EQ(out.service.key.port, 53);
    EXPECT_EQ(out.service.scheduler, "sh");
    EXPECT_EQ(out.service.flags, static_cast<uint32_t>(IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED2));
    EXPECT_EQ(out.stats.conns, 5000000000ULL);
    EXPECT_EQ(out.stats.inbytes, 77u);
}

TEST(IpvsMessages, DestReplyDecodesCountersAndMasksForwardingFlags) {
    m::MsgPtr msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION);
    nlattr* d = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DEST);
    unsigned char addr[16] = {198, 18, 0, 11};
    nla_put(msg.get(), IPVS_DEST_ATTR_ADDR, sizeof addr, addr);
    nla_put_u16(msg.get(), IPVS_DEST_ATTR_PORT, htons(8080));
    nla_put_u32(msg.get(), IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_TUNNEL | IP_VS_CONN_F_NOOUTPUT);
    nla_put_u32(msg.get(), IPVS_DEST_ATTR_WEIGHT, 3);
    nla_put_u32(msg.get(), IPVS_DEST_ATTR_ACTIVE_CONNS, 12);
    nla_put_u32(msg.get(), IPVS_DEST_ATTR_INACT_CONNS, 4);
    nla_put_u32(msg.get(), IPVS_DEST_ATTR_PERSIST_CONNS, 2);
    nlattr* st = nla_nest_start(msg.get(), IPVS_DEST_ATTR_STATS);  // older kernels: u32 counters
    nla_put_u32(msg.get(), IPVS_STATS_ATTR_CONNS, 99);
    nla_nest_end(msg.get(), st);
    nla_nest_end(msg.get(), d);

    DestinationState out;
    ASSERT_TRUE(m::parse_dest(nlmsg_hdr(msg.get()), out));
    EXPECT_EQ(out.dest.address, 0xC612000Bu);
    EXPECT_EQ(out.dest.port, 8080);
    EXPECT_EQ(out.dest.forward, Forward::Tunnel);
    EXPECT_EQ(out.dest.weight, 3);
    EXPECT_EQ(out.active_conns, 12u);
    EXPECT_EQ(out.inactive_conns, 4u);
    EXPECT_EQ(out.persistent_conns, 2u);
    EXPECT_EQ(out.stats.conns, 99u);
}

TEST(IpvsMessages, InfoReplyAndMalformedRepliesAreRejected) {
    m::MsgPtr msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, IPVS_CMD_SET_INFO, IPVS_GENL_VERSION);
    nla_put_u32(msg.get(), IPVS_INFO_ATTR_VERSION, 0x010201);
    nla_put_u32(msg.get(), IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
    Info info;
    ASSERT_TRUE(m::parse_info(nlmsg_hdr(msg.get()), info));
    EXPECT_EQ(info.version, 0x010201u);
    EXPECT_EQ(info.conn_tab_size, 4096u);

    m::MsgPtr empty(nlmsg_alloc());
    genlmsg_put(empty.get(), 0, 0, kFamily, 0, 0, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
    ServiceState s;
    DestinationState ds;
    EXPECT_FALSE(m::parse_service(nlmsg_hdr(empty.get()), s));
    EXPECT_FALSE(m::parse_dest(nlmsg_hdr(empty.get()), ds));
}

// Found by tests/fuzz/ipvs_reply (ASan heap-buffer-overflow): a scheduler or interface name without its
// NUL was read past the attribute, into the next one or off the end of the datagram.
TEST(IpvsMessages, UnterminatedNamesEndAtTheirAttribute) {
    m::MsgPtr msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
    nlattr* s = nla_nest_start(msg.get(), IPVS_CMD_ATTR_SERVICE);
    nla_put_u16(msg.get(), IPVS_SVC_ATTR_AF, AF_INET);
    nla_put_u32(msg.get(), IPVS_SVC_ATTR_FWMARK, 42);
    nla_put(msg.get(), IPVS_SVC_ATTR_SCHED_NAME, 4, "wlcX");
    nla_put_u32(msg.get(), IPVS_SVC_ATTR_TIMEOUT, 300);
    nla_nest_end(msg.get(), s);
    ServiceState out;
    ASSERT_TRUE(m::parse_service(nlmsg_hdr(msg.get()), out));
    EXPECT_EQ(out.service.scheduler, "wlcX");
    EXPECT_EQ(out.service.timeout_s, 300u);

    m::MsgPtr dmsg(nlmsg_alloc());
    genlmsg_put(dmsg.get(), 0, 0, kFamily, 0, 0, IPVS_CMD_NEW_DAEMON, IPVS_GENL_VERSION);
    nlattr* d = nla_nest_start(dmsg.get(), IPVS_CMD_ATTR_DAEMON);
    nla_put_u32(dmsg.get(), IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_MASTER);
    nla_put(dmsg.get(), IPVS_DAEMON_ATTR_MCAST_IFN, 4, "eth0");
    nla_put_u32(dmsg.get(), IPVS_DAEMON_ATTR_SYNC_ID, 51);
    nla_nest_end(dmsg.get(), d);
    SyncDaemon daemon;
    ASSERT_TRUE(m::parse_daemon(nlmsg_hdr(dmsg.get()), daemon));
    EXPECT_EQ(daemon.mcast_ifn, "eth0");
    EXPECT_EQ(daemon.syncid, 51u);
}
