#pragma once
// Encoding of IPVS generic-netlink requests and decoding of the kernel's replies, with no socket: the
// client sends what these build, and unit tests parse them back attribute by attribute.
#include <linux/netlink.h>
#include <netlink/msg.h>

#include <memory>

#include "director/ipvs/ops.hpp"
#include "director/ipvs/types.hpp"

namespace director::ipvs::nlmsg {

struct MsgFree {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgFree>;

// `family` is the resolved generic-netlink id of "IPVS". Requests carry no sequence number yet.
MsgPtr encode(int family, const Op& op);
MsgPtr get_services(int family);                       // dump
MsgPtr get_service(int family, const ServiceKey& k);   // that one service
MsgPtr get_dests(int family, const ServiceKey& k);     // dump
MsgPtr get_info(int family);
MsgPtr get_config(int family);                         // the timeouts
MsgPtr set_config(int family, const Timeouts& t);
MsgPtr new_daemon(int family, const SyncDaemon& d);
MsgPtr del_daemon(int family, SyncState state);
MsgPtr get_daemon(int family);                         // dump
MsgPtr flush(int family);
MsgPtr zero(int family);

// Reply decoders: false when the message lacks an attribute the reply must carry.
bool parse_service(nlmsghdr* h, ServiceState& out);
bool parse_dest(nlmsghdr* h, DestinationState& out);
bool parse_info(nlmsghdr* h, Info& out);
bool parse_config(nlmsghdr* h, Timeouts& out);
bool parse_daemon(nlmsghdr* h, SyncDaemon& out);

}  // namespace director::ipvs::nlmsg
