// Link mode's iptables rules are the ones lvscare's README (seed 002) lists.
#include <gtest/gtest.h>

#include "director/care/network.hpp"

using namespace director::care;

TEST(CareNetwork, LinkRulesAreSeed002sListWithTheMaskedMasqueradeMatch) {
    // Seed 002 shows the mark 0x2, i.e. --masqueradebit 1.
    std::vector<std::string> got;
    for (const auto& r : link_mode_rules(1u << 1)) got.push_back("-t " + r.table + " " + iptables_save_line(r));
    std::vector<std::string> want{
        "-t nat -A PREROUTING -m comment --comment \"virtual service portals\" -j VIRTUAL-SERVICES",
        "-t nat -A VIRTUAL-SERVICES -m comment --comment \"virtual service ip + port for masquerade purpose\" -m set "
        "--match-set VIRTUAL-IP dst,dst -j VIRTUAL-MARK-MASQ",
        "-t nat -A VIRTUAL-MARK-MASQ -j MARK --set-xmark 0x2/0x2",
        "-t nat -A POSTROUTING -m comment --comment \"virtual service postrouting rules\" -j VIRTUAL-POSTROUTING",
        "-t nat -A VIRTUAL-POSTROUTING -m mark ! --mark 0x2/0x2 -j RETURN",
        // seed 002: "-m mark --mark 0x2"; masked so a CNI's extra mark bits do not turn SNAT off
        "-t nat -A VIRTUAL-POSTROUTING -m comment --comment \"virtual service traffic requiring SNAT\" -m mark --mark "
        "0x2/0x2 -j MASQUERADE",
        "-t nat -A OUTPUT -m comment --comment \"virtual service portals\" -j VIRTUAL-SERVICES",
        "-t filter -A OUTPUT -m comment --comment \"accept for all marked by lvscare\" -m mark --mark 0x2/0x2 -j ACCEPT",
    };
    EXPECT_EQ(got, want);
    // The accept rule goes first in filter OUTPUT, ahead of any CNI's chains.
    EXPECT_TRUE(link_mode_rules(2).back().prepend);
}

TEST(CareNetwork, MarkFollowsMasqueradeBit) {
    EXPECT_EQ(hex_mark(1u << 0), "0x1");
    EXPECT_EQ(hex_mark(1u << 14), "0x4000");
    EXPECT_EQ(hex_mark(1u << 31), "0x80000000");
}

TEST(CareNetwork, IpsetEntryIsVipCommaTcpPort) {
    EXPECT_EQ(ipset_entry(*parse_endpoint("169.254.0.1:80")), "169.254.0.1,tcp:80");
}
