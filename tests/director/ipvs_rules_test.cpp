#include <gtest/gtest.h>

#include "director/ipvs/rules.hpp"

using namespace director::ipvs;

TEST(IpvsRules, IpvsadmSaveOutputParsesIntoOps) {
    // As written by ipvsadm-save -n in the VM.
    auto r = parse_rules(
        "-A -t 10.1.2.4:443 -s sh -p 600 -M 255.255.255.0 -b sh-fallback,sh-port\n"
        "-a -t 10.1.2.4:443 -r 10.9.9.3:443 -i -w 1\n"
        "# comment\n\n"
        "-A -f 7 -s wlc -o\n"
        "-a -f 7 -r 10.9.9.5:0 -m -w 1\n"
        "-e -u 10.1.2.3:53 -r 10.9.9.6 -g -w 4 -x 10 -y 2\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    ASSERT_EQ(r.commands.size(), 5u);
    const Op& a = r.commands[0].op;
    EXPECT_EQ(a.kind, Op::Kind::AddService);
    EXPECT_EQ(a.service.scheduler, "sh");
    EXPECT_EQ(a.service.flags, kFlagPersistent | kFlagSched1 | kFlagSched2);
    EXPECT_EQ(a.service.timeout_s, 600u);
    EXPECT_EQ(a.service.netmask, 0xFFFFFF00u);
    EXPECT_EQ(r.commands[1].op.dest.forward, Forward::Tunnel);
    EXPECT_EQ(r.commands[2].op.service.key.fwmark, 7u);
    EXPECT_EQ(r.commands[2].op.service.flags, kFlagOnePacket);
    const Op& e = r.commands[4].op;
    EXPECT_EQ(e.kind, Op::Kind::EditDest);
    EXPECT_EQ(e.service.key.protocol, Protocol::UDP);
    EXPECT_EQ(e.dest.port, 53);  // no port: the service's
    EXPECT_EQ(e.dest.forward, Forward::Route);
    EXPECT_EQ(e.dest.weight, 4);
    EXPECT_EQ(e.dest.u_threshold, 10u);
    EXPECT_EQ(e.dest.l_threshold, 2u);
    EXPECT_EQ(r.commands[4].line, 7);
}

TEST(IpvsRules, GlobalCommands) {
    auto r = parse_rules("-C\n--set 900 120 300\n--start-daemon master --mcast-interface eth0 --syncid 5\n"
                         "--stop-daemon backup\n-Z\n");
    ASSERT_TRUE(r.errors.empty());
    ASSERT_EQ(r.commands.size(), 5u);
    EXPECT_EQ(r.commands[0].kind, RuleCommand::Kind::Clear);
    EXPECT_EQ(r.commands[1].timeouts.tcp_fin, 120u);
    EXPECT_EQ(r.commands[2].daemon.mcast_ifn, "eth0");
    EXPECT_EQ(r.commands[2].daemon.syncid, 5u);
    EXPECT_EQ(r.commands[3].daemon.state, SyncState::Backup);
    EXPECT_EQ(r.commands[4].kind, RuleCommand::Kind::Zero);
}

TEST(IpvsRules, ErrorsNameTheLine) {
    auto r = parse_rules("-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s best\n-a -t 10.0.0.1:80\n-X\n");
    ASSERT_EQ(r.errors.size(), 3u);
    EXPECT_EQ(r.errors[0], "line 2: unknown scheduler 'best'");
    EXPECT_EQ(r.errors[1], "line 3: -a needs -r ADDRESS[:PORT]");
    EXPECT_EQ(r.errors[2], "line 4: unknown option '-X'");
}
