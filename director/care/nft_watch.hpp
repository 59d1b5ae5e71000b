#pragma once
// Tells link mode whether its iptables rules may have changed since the last look, without running
// iptables-save: iptables-nft changes go through nf_tables, which announces every committed table, chain
// and rule change on the NFNLGRP_NFTABLES netlink group. A change that touched one of our (table, chain)
// pairs of the ip family, a lost notification (ENOBUFS) or no notification socket at all all mean "look
// again"; iptables-legacy changes are never announced, so the caller only trusts the watch while
// iptables-save says its backend is nf_tables.
#include <cstddef>
#include <set>
#include <string>
#include <utility>

namespace director::care {

// The (table, chain) pairs that hold our rules, e.g. {"nat", "PREROUTING"}.
using RuleScope = std::set<std::pair<std::string, std::string>>;

// Whether one nf_tables notification (a whole netlink message: header, nfgenmsg, attributes) may have
// touched a rule in `scope`. Sets, set elements, objects, flowtables, generation and trace messages
// never do; table messages do when they name a table of the scope; chain and rule messages when they
// name a (table, chain) pair of it. Other families than ip (inet, ip6, arp, bridge) never do. Anything
// cut short or unknown counts as touching: a needless iptables-save costs little, a missed change a lot.
bool nft_message_touches(const void* msg, size_t len, const RuleScope& scope);

class NftWatch {
public:
    // Opens and subscribes a non-blocking socket. On failure (no nf_tables, no permission) the watch is
    // unavailable and changed() is always true.
    explicit NftWatch(RuleScope scope);
    ~NftWatch();
    NftWatch(const NftWatch&) = delete;
    NftWatch& operator=(const NftWatch&) = delete;

    bool available() const { return fd_ >= 0; }
    const std::string& error() const { return error_; }
    // Drains every queued notification without blocking. True if one touched the scope, if notifications
    // were lost since the last call, or if the watch is unavailable.
    bool changed();

private:
    RuleScope scope_;
    int fd_ = -1;
    std::string error_;
};

}  // namespace director::care
