#include "director/ipvs/messages.hpp"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace director::ipvs::nlmsg {

namespace {

MsgPtr request(int family, uint8_t cmd, int flags = 0) {
    MsgPtr m(nlmsg_alloc());
    if (!m) throw std::bad_alloc();
    if (!genlmsg_put(m.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, IPVS_GENL_VERSION))
        throw std::runtime_error("genlmsg_put failed");
    return m;
}

// nla_put* only fail when the message buffer is full; our messages are far below a page.
void check(int rc) {
    if (rc < 0) throw std::runtime_error("netlink message too large");
}

void put_addr(nl_msg* m, int type, uint32_t host_order) {
    uint32_t be = htonl(host_order);
    check(nla_put(m, type, sizeof be, &be));
}

void put_service(nl_msg* m, const Service& s, bool full) {
    nlattr* nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
    if (!nest) check(-1);
    check(nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET));
    if (s.key.fwmark) {
        check(nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, s.key.fwmark));
    } else {
        check(nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, static_cast<uint16_t>(s.key.protocol)));
        put_addr(m, IPVS_SVC_ATTR_ADDR, s.key.address);
        check(nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(s.key.port)));
    }
    if (full) {
        check(nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, s.scheduler.c_str()));
        ip_vs_flags f{s.flags & ~kFlagHashed, ~0u};
        check(nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof f, &f));
        check(nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, s.timeout_s));
        check(nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, htonl(s.netmask)));
    }
    nla_nest_end(m, nest);
}

void put_dest(nl_msg* m, const Destination& d, bool full) {
    nlattr* nest = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
    if (!nest) check(-1);
    put_addr(m, IPVS_DEST_ATTR_ADDR, d.address);
    check(nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(d.port)));
    check(nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET));
    if (full) {
        check(nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, static_cast<uint32_t>(d.forward)));
        check(nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, static_cast<uint32_t>(d.weight)));
        check(nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, d.u_threshold));
        check(nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, d.l_threshold));
    }
    nla_nest_end(m, nest);
}

// The kernel sends some counters as u32 and some as u64 (and everything as u64 in *_STATS64); read by size.
uint64_t get_uint(const nlattr* a) {
    if (!a) return 0;
    if (nla_len(a) >= 8) return nla_get_u64(const_cast<nlattr*>(a));
    if (nla_len(a) >= 4) return nla_get_u32(const_cast<nlattr*>(a));
    return 0;
}

void parse_stats(nlattr* nest, Stats& s) {
    if (!nest) return;
    nlattr* tb[IPVS_STATS_ATTR_MAX + 1];
    if (nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, nest, nullptr) < 0) return;
    s.conns = get_uint(tb[IPVS_STATS_ATTR_CONNS]);
    s.inpkts = get_uint(tb[IPVS_STATS_ATTR_INPKTS]);
    s.outpkts = get_uint(tb[IPVS_STATS_ATTR_OUTPKTS]);
    s.inbytes = get_uint(tb[IPVS_STATS_ATTR_INBYTES]);
    s.outbytes = get_uint(tb[IPVS_STATS_ATTR_OUTBYTES]);
    s.cps = get_uint(tb[IPVS_STATS_ATTR_CPS]);
    s.inpps = get_uint(tb[IPVS_STATS_ATTR_INPPS]);
    s.outpps = get_uint(tb[IPVS_STATS_ATTR_OUTPPS]);
    s.inbps = get_uint(tb[IPVS_STATS_ATTR_INBPS]);
    s.outbps = get_uint(tb[IPVS_STATS_ATTR_OUTBPS]);
}

uint32_t get_addr(const nlattr* a) {
    if (!a || nla_len(a) < 4) return 0;
    uint32_t be;
    std::memcpy(&be, nla_data(a), 4);
    return ntohl(be);
}

// Up to the first NUL or the attribute's end: without a policy libnl does not check the NUL is there.
std::string get_string(const nlattr* a) {
    auto* p = static_cast<const char*>(nla_data(a));
    return std::string(p, strnlen(p, static_cast<size_t>(std::max(nla_len(a), 0))));
}

uint32_t get_u32(const nlattr* a, uint32_t dflt = 0) {
    return a && nla_len(a) >= 4 ? nla_get_u32(const_cast<nlattr*>(a)) : dflt;
}
uint16_t get_u16(const nlattr* a, uint16_t dflt = 0) {
    return a && nla_len(a) >= 2 ? nla_get_u16(const_cast<nlattr*>(a)) : dflt;
}

// Top-level attributes of a reply; nullptr entries for absent ones.
bool parse_top(nlmsghdr* h, nlattr** tb) {
    return genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, nullptr) >= 0;
}

}  // namespace

MsgPtr encode(int family, const Op& op) {
    using K = Op::Kind;
    switch (op.kind) {
        case K::AddService: {
            auto m = request(family, IPVS_CMD_NEW_SERVICE);
            put_service(m.get(), op.service, true);
            return m;
        }
        case K::EditService: {
            auto m = request(family, IPVS_CMD_SET_SERVICE);
            put_service(m.get(), op.service, true);
            return m;
        }
        case K::DelService: {
            auto m = request(family, IPVS_CMD_DEL_SERVICE);
            put_service(m.get(), op.service, false);
            return m;
        }
        case K::AddDest:
        case K::EditDest:
        case K::DelDest: {
            uint8_t cmd = op.kind == K::AddDest ? IPVS_CMD_NEW_DEST
                          : op.kind == K::EditDest ? IPVS_CMD_SET_DEST
                                                   : IPVS_CMD_DEL_DEST;
            auto m = request(family, cmd);
            put_service(m.get(), op.service, false);
            put_dest(m.get(), op.dest, op.kind != K::DelDest);
            return m;
        }
    }
    throw std::logic_error("unknown op kind");
}

MsgPtr get_services(int family) { return request(family, IPVS_CMD_GET_SERVICE, NLM_F_DUMP); }

MsgPtr get_service(int family, const ServiceKey& k) {
    auto m = request(family, IPVS_CMD_GET_SERVICE);
    put_service(m.get(), Service{k}, false);
    return m;
}

MsgPtr get_dests(int family, const ServiceKey& k) {
    auto m = request(family, IPVS_CMD_GET_DEST, NLM_F_DUMP);
    put_service(m.get(), Service{k}, false);
    return m;
}

MsgPtr get_info(int family) { return request(family, IPVS_CMD_GET_INFO); }
MsgPtr get_config(int family) { return request(family, IPVS_CMD_GET_CONFIG); }

MsgPtr set_config(int family, const Timeouts& t) {
    auto m = request(family, IPVS_CMD_SET_CONFIG);
    if (t.tcp) check(nla_put_u32(m.get(), IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp));
    if (t.tcp_fin) check(nla_put_u32(m.get(), IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin));
    if (t.udp) check(nla_put_u32(m.get(), IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp));
    return m;
}

MsgPtr new_daemon(int family, const SyncDaemon& d) {
    auto m = request(family, IPVS_CMD_NEW_DAEMON);
    nlattr* nest = nla_nest_start(m.get(), IPVS_CMD_ATTR_DAEMON);
    if (!nest) check(-1);
    check(nla_put_u32(m.get(), IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(d.state)));
    check(nla_put_string(m.get(), IPVS_DAEMON_ATTR_MCAST_IFN, d.mcast_ifn.c_str()));
    check(nla_put_u32(m.get(), IPVS_DAEMON_ATTR_SYNC_ID, d.syncid));
    nla_nest_end(m.get(), nest);
    return m;
}

MsgPtr del_daemon(int family, SyncState state) {
    auto m = request(family, IPVS_CMD_DEL_DAEMON);
    nlattr* nest = nla_nest_start(m.get(), IPVS_CMD_ATTR_DAEMON);
    if (!nest) check(-1);
    check(nla_put_u32(m.get(), IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(state)));
    nla_nest_end(m.get(), nest);
    return m;
}

MsgPtr get_daemon(int family) { return request(family, IPVS_CMD_GET_DAEMON, NLM_F_DUMP); }
MsgPtr flush(int family) { return request(family, IPVS_CMD_FLUSH); }
MsgPtr zero(int family) { return request(family, IPVS_CMD_ZERO); }

bool parse_service(nlmsghdr* h, ServiceState& out) {
    nlattr* top[IPVS_CMD_ATTR_MAX + 1];
    if (!parse_top(h, top) || !top[IPVS_CMD_ATTR_SERVICE]) return false;
    nlattr* tb[IPVS_SVC_ATTR_MAX + 1];
    if (nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, top[IPVS_CMD_ATTR_SERVICE], nullptr) < 0) return false;
    if (get_u16(tb[IPVS_SVC_ATTR_AF]) != AF_INET) return false;  // IPv6 services are not ours to show yet
    Service& s = out.service;
    s = Service{};
    if (tb[IPVS_SVC_ATTR_FWMARK] && get_u32(tb[IPVS_SVC_ATTR_FWMARK])) {
        s.key.fwmark = get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
    } else {
        if (!tb[IPVS_SVC_ATTR_PROTOCOL] || !tb[IPVS_SVC_ATTR_ADDR] || !tb[IPVS_SVC_ATTR_PORT]) return false;
        s.key.protocol = static_cast<Protocol>(get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]));
        s.key.address = get_addr(tb[IPVS_SVC_ATTR_ADDR]);
        s.key.port = ntohs(get_u16(tb[IPVS_SVC_ATTR_PORT]));
    }
    if (tb[IPVS_SVC_ATTR_SCHED_NAME]) s.scheduler = get_string(tb[IPVS_SVC_ATTR_SCHED_NAME]);
    if (tb[IPVS_SVC_ATTR_FLAGS] && nla_len(tb[IPVS_SVC_ATTR_FLAGS]) >= static_cast<int>(sizeof(ip_vs_flags))) {
        ip_vs_flags f;
        std::memcpy(&f, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof f);
        s.flags = f.flags;
    }
    s.timeout_s = get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
    if (tb[IPVS_SVC_ATTR_NETMASK]) s.netmask = ntohl(get_u32(tb[IPVS_SVC_ATTR_NETMASK]));
    out.stats = {};
    parse_stats(tb[IPVS_SVC_ATTR_STATS64] ? tb[IPVS_SVC_ATTR_STATS64] : tb[IPVS_SVC_ATTR_STATS], out.stats);
    return true;
}

bool parse_dest(nlmsghdr* h, DestinationState& out) {
    nlattr* top[IPVS_CMD_ATTR_MAX + 1];
    if (!parse_top(h, top) || !top[IPVS_CMD_ATTR_DEST]) return false;
    nlattr* tb[IPVS_DEST_ATTR_MAX + 1];
    if (nla_parse_nested(tb, IPVS_DEST_ATTR_MAX, top[IPVS_CMD_ATTR_DEST], nullptr) < 0) return false;
    if (!tb[IPVS_DEST_ATTR_ADDR] || !tb[IPVS_DEST_ATTR_PORT]) return false;
    if (tb[IPVS_DEST_ATTR_ADDR_FAMILY] && get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) != AF_INET) return false;
    out = DestinationState{};
    Destination& d = out.dest;
    d.address = get_addr(tb[IPVS_DEST_ATTR_ADDR]);
    d.port = ntohs(get_u16(tb[IPVS_DEST_ATTR_PORT]));
    d.forward = static_cast<Forward>(get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK);
    d.weight = static_cast<int32_t>(get_u32(tb[IPVS_DEST_ATTR_WEIGHT]));
    d.u_threshold = get_u32(tb[IPVS_DEST_ATTR_U_THRESH]);
    d.l_threshold = get_u32(tb[IPVS_DEST_ATTR_L_THRESH]);
    out.active_conns = get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
    out.inactive_conns = get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
    out.persistent_conns = get_u32(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
    parse_stats(tb[IPVS_DEST_ATTR_STATS64] ? tb[IPVS_DEST_ATTR_STATS64] : tb[IPVS_DEST_ATTR_STATS], out.stats);
    return true;
}

bool parse_info(nlmsghdr* h, Info& out) {
    nlattr* tb[IPVS_INFO_ATTR_MAX + 1];
    if (genlmsg_parse(h, 0, tb, IPVS_INFO_ATTR_MAX, nullptr) < 0 || !tb[IPVS_INFO_ATTR_VERSION]) return false;
    out.version = get_u32(tb[IPVS_INFO_ATTR_VERSION]);
    out.conn_tab_size = get_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
    return true;
}

bool parse_config(nlmsghdr* h, Timeouts& out) {
    nlattr* top[IPVS_CMD_ATTR_MAX + 1];
    if (!parse_top(h, top) || !top[IPVS_CMD_ATTR_TIMEOUT_TCP]) return false;
    out.tcp = get_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP]);
    out.tcp_fin = get_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
    out.udp = get_u32(top[IPVS_CMD_ATTR_TIMEOUT_UDP]);
    return true;
}

bool parse_daemon(nlmsghdr* h, SyncDaemon& out) {
    nlattr* top[IPVS_CMD_ATTR_MAX + 1];
    if (!parse_top(h, top) || !top[IPVS_CMD_ATTR_DAEMON]) return false;
    nlattr* tb[IPVS_DAEMON_ATTR_MAX + 1];
    if (nla_parse_nested(tb, IPVS_DAEMON_ATTR_MAX, top[IPVS_CMD_ATTR_DAEMON], nullptr) < 0) return false;
    if (!tb[IPVS_DAEMON_ATTR_STATE]) return false;
    out.state = static_cast<SyncState>(get_u32(tb[IPVS_DAEMON_ATTR_STATE]));
    out.mcast_ifn = tb[IPVS_DAEMON_ATTR_MCAST_IFN] ? get_string(tb[IPVS_DAEMON_ATTR_MCAST_IFN]) : "";
    out.syncid = get_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
    out.maxlen = get_u16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
    out.mcast_group = get_addr(tb[IPVS_DAEMON_ATTR_MCAST_GROUP]);
    out.mcast_port = get_u16(tb[IPVS_DAEMON_ATTR_MCAST_PORT]);  // host order, unlike service ports
    if (tb[IPVS_DAEMON_ATTR_MCAST_TTL] && nla_len(tb[IPVS_DAEMON_ATTR_MCAST_TTL]) >= 1)
        out.mcast_ttl = nla_get_u8(tb[IPVS_DAEMON_ATTR_MCAST_TTL]);
    return true;
}

}  // namespace director::ipvs::nlmsg
