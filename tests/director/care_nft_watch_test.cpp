// Which nf_tables notifications send link mode back to iptables-save: only those that may have touched
// one of its (table, chain) pairs in the ip family, plus anything it cannot read.
#include <gtest/gtest.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <string>
#include <vector>

#include "director/care/network.hpp"
#include "director/care/nft_watch.hpp"

using namespace director::care;

namespace {

// A notification as the kernel sends it: header, nfgenmsg, string attributes.
std::vector<uint8_t> event(uint16_t msg, uint8_t family, std::vector<std::pair<uint16_t, std::string>> attrs,
                           uint16_t subsys = NFNL_SUBSYS_NFTABLES) {
    std::vector<uint8_t> b(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)), 0);
    nfgenmsg g{};
    g.nfgen_family = family;
    std::memcpy(b.data() + NLMSG_HDRLEN, &g, sizeof g);
    for (const auto& [type, value] : attrs) {
        nlattr a{static_cast<uint16_t>(NLA_HDRLEN + value.size() + 1), type};
        size_t at = b.size();
        b.resize(at + NLA_ALIGN(a.nla_len), 0);
        std::memcpy(b.data() + at, &a, sizeof a);
        std::memcpy(b.data() + at + NLA_HDRLEN, value.c_str(), value.size() + 1);
    }
    nlmsghdr h{};
    h.nlmsg_len = static_cast<uint32_t>(b.size());
    h.nlmsg_type = static_cast<uint16_t>((subsys << 8) | msg);
    std::memcpy(b.data(), &h, sizeof h);
    return b;
}

bool touches(const std::vector<uint8_t>& m) { return nft_message_touches(m.data(), m.size(), link_mode_scope(1)); }

std::vector<uint8_t> rule(uint16_t msg, const std::string& table, const std::string& chain, uint8_t family = NFPROTO_IPV4) {
    return event(msg, family, {{NFTA_RULE_TABLE, table}, {NFTA_RULE_CHAIN, chain}});
}

}  // namespace

TEST(CareNftWatch, RuleChangesInOurChainsTouch) {
    EXPECT_TRUE(touches(rule(NFT_MSG_DELRULE, "nat", "OUTPUT")));             // iptables -t nat -D OUTPUT ...
    EXPECT_TRUE(touches(rule(NFT_MSG_DELRULE, "nat", "VIRTUAL-POSTROUTING")));  // iptables -t nat -F VIRTUAL-POSTROUTING
    EXPECT_TRUE(touches(rule(NFT_MSG_NEWRULE, "nat", "PREROUTING")));         // an insert ahead of ours
    EXPECT_TRUE(touches(rule(NFT_MSG_DELRULE, "filter", "OUTPUT")));
}

TEST(CareNftWatch, RuleChangesElsewhereDoNot) {
    EXPECT_FALSE(touches(rule(NFT_MSG_DELRULE, "nat", "KUBE-SERVICES")));  // kube-proxy's resyncs
    EXPECT_FALSE(touches(rule(NFT_MSG_NEWRULE, "filter", "INPUT")));       // same chain name, other table matters
    EXPECT_FALSE(touches(rule(NFT_MSG_DELRULE, "mangle", "OUTPUT")));
    EXPECT_FALSE(touches(rule(NFT_MSG_DELRULE, "nat", "OUTPUT", NFPROTO_IPV6)));  // ip6tables
    EXPECT_FALSE(touches(rule(NFT_MSG_DELRULE, "nat", "OUTPUT", NFPROTO_INET)));  // an nft inet table named nat
}

TEST(CareNftWatch, TableAndChainMessagesTouchWhenTheyNameOurs) {
    EXPECT_TRUE(touches(event(NFT_MSG_DELTABLE, NFPROTO_IPV4, {{NFTA_TABLE_NAME, "nat"}})));  // nft flush ruleset
    EXPECT_TRUE(touches(event(NFT_MSG_DELTABLE, NFPROTO_IPV4, {{NFTA_TABLE_NAME, "filter"}})));
    EXPECT_FALSE(touches(event(NFT_MSG_DELTABLE, NFPROTO_IPV4, {{NFTA_TABLE_NAME, "raw"}})));
    EXPECT_TRUE(touches(event(NFT_MSG_DELCHAIN, NFPROTO_IPV4, {{NFTA_CHAIN_TABLE, "nat"}, {NFTA_CHAIN_NAME, "VIRTUAL-MARK-MASQ"}})));
    EXPECT_FALSE(touches(event(NFT_MSG_NEWCHAIN, NFPROTO_IPV4, {{NFTA_CHAIN_TABLE, "nat"}, {NFTA_CHAIN_NAME, "KUBE-SVC-X"}})));
}

TEST(CareNftWatch, SetsObjectsAndGenerationsNeverTouch) {
    EXPECT_FALSE(touches(event(NFT_MSG_NEWGEN, NFPROTO_UNSPEC, {})));  // follows every committed batch
    EXPECT_FALSE(touches(event(NFT_MSG_DELSETELEM, NFPROTO_IPV4, {{1, "nat"}})));
    EXPECT_FALSE(touches(event(NFT_MSG_NEWSET, NFPROTO_IPV4, {{1, "nat"}})));
    EXPECT_FALSE(touches(event(NFT_MSG_DELOBJ, NFPROTO_IPV4, {{1, "filter"}})));
    // not nf_tables at all (another nfnetlink subsystem)
    EXPECT_FALSE(touches(event(NFT_MSG_DELRULE, NFPROTO_IPV4, {{1, "nat"}, {2, "OUTPUT"}}, NFNL_SUBSYS_IPSET)));
}

TEST(CareNftWatch, WhatCannotBeReadCountsAsTouching) {
    auto m = rule(NFT_MSG_DELRULE, "nat", "KUBE-SERVICES");
    EXPECT_TRUE(nft_message_touches(m.data(), 10, link_mode_scope(1)));  // shorter than the headers
    auto lying = m;
    uint32_t len = static_cast<uint32_t>(m.size() + 8);  // claims more than was received
    std::memcpy(lying.data(), &len, sizeof len);
    EXPECT_TRUE(touches(lying));
    EXPECT_TRUE(touches(event(NFT_MSG_DELRULE, NFPROTO_IPV4, {})));                 // no table name
    EXPECT_TRUE(touches(event(NFT_MSG_DELRULE, NFPROTO_IPV4, {{NFTA_RULE_TABLE, "nat"}})));  // no chain name
    EXPECT_TRUE(touches(event(200, NFPROTO_IPV4, {{1, "nat"}})));  // a message type newer than the code
    EXPECT_FALSE(touches(event(200, NFPROTO_IPV4, {{1, "raw"}})));
}
