// Expected texts were captured from ipvsadm v1.31 on the Debian kernel in the VM with the same table.
#include <gtest/gtest.h>

#include "director/ipvs/format.hpp"

using namespace director::ipvs;

namespace {

ServiceState svc(Protocol p, uint32_t addr, uint16_t port, const char* sched, uint32_t flags = 0) {
    ServiceState s;
    s.service.key = {p, addr, port, 0};
    s.service.scheduler = sched;
    s.service.flags = flags | kFlagHashed;
    return s;
}

DestinationState dst(uint32_t addr, uint16_t port, Forward f, int w, uint32_t u = 0, uint32_t l = 0) {
    DestinationState d;
    d.dest = {addr, port, f, w, u, l};
    return d;
}

// The table the VM exploration built with ipvsadm (see tests/kernel/ipvs_suite.py).
std::vector<ServiceState> sample() {
    std::vector<ServiceState> v;
    auto fw = svc(Protocol::TCP, 0, 0, "wlc", kFlagOnePacket);
    fw.service.key = {Protocol::TCP, 0, 0, 7};
    fw.destinations.push_back(dst(0x0A090905, 0, Forward::Masq, 1));
    v.push_back(fw);  // listed last despite coming first: fwmark sorts after
    auto udp = svc(Protocol::UDP, 0x0A010203, 53, "lc");
    v.push_back(udp);
    auto sh = svc(Protocol::TCP, 0x0A010204, 443, "sh", kFlagSched1 | kFlagSched2 | kFlagPersistent);
    sh.service.timeout_s = 600;
    sh.service.netmask = 0xFFFFFF00;
    sh.destinations.push_back(dst(0x0A090903, 443, Forward::Tunnel, 1, 100, 10));
    v.push_back(sh);
    auto rr = svc(Protocol::TCP, 0x0A010203, 80, "rr");
    rr.destinations.push_back(dst(0x0A090902, 80, Forward::Route, 0));
    rr.destinations.push_back(dst(0x0A090901, 8080, Forward::Masq, 3));
    v.push_back(rr);
    return v;
}

const Info kInfo{0x010201, 4096};

}  // namespace

TEST(IpvsFormat, PlainListingMatchesIpvsadmLn) {
    EXPECT_EQ(format_ipvsadm(kInfo, sample(), ListFormat::Plain),
              "IP Virtual Server version 1.2.1 (size=4096)\n"
              "Prot LocalAddress:Port Scheduler Flags\n"
              "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
              "TCP  10.1.2.3:80 rr\n"
              "  -> 10.9.9.1:8080                Masq    3      0          0         \n"
              "  -> 10.9.9.2:80                  Route   0      0          0         \n"
              "TCP  10.1.2.4:443 sh (sh-fallback,sh-port) persistent 600 mask 255.255.255.0\n"
              "  -> 10.9.9.3:443                 Tunnel  1      0          0         \n"
              "UDP  10.1.2.3:53 lc\n"
              "FWM  7 wlc ops\n"
              "  -> 10.9.9.5:0                   Masq    1      0          0         \n");
}

TEST(IpvsFormat, StatsListingMatchesIpvsadmLnStats) {
    auto v = sample();
    v[3].stats.conns = 300;
    v[3].stats.inbytes = 123456789012ULL;  // scaled like ipvsadm: 123G
    auto text = format_ipvsadm(kInfo, v, ListFormat::Stats);
    size_t end = 0;
    for (int i = 0; i < 6; ++i) end = text.find('\n', end) + 1;
    EXPECT_EQ(text.substr(0, end),
              "IP Virtual Server version 1.2.1 (size=4096)\n"
              "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
              "  -> RemoteAddress:Port\n"
              "TCP  10.1.2.3:80                       300        0        0     123G        0\n"
              "  -> 10.9.9.1:8080                       0        0        0        0        0\n"
              "  -> 10.9.9.2:80                         0        0        0        0        0\n");
}

TEST(IpvsFormat, RateAndThresholdTitlesMatchIpvsadm) {
    auto rate = format_ipvsadm(kInfo, {}, ListFormat::Rate);
    EXPECT_EQ(rate,
              "IP Virtual Server version 1.2.1 (size=4096)\n"
              "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
              "  -> RemoteAddress:Port\n");
    auto th = format_ipvsadm(kInfo, sample(), ListFormat::Thresholds);
    EXPECT_NE(th.find("Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"), std::string::npos);
    EXPECT_NE(th.find("  -> 10.9.9.3:443                 100        10         0          0         \n"), std::string::npos);
}

TEST(IpvsFormat, LargeNumbersScaleLikeIpvsadm) {
    EXPECT_EQ(format_largenum(99999999), " 99999999");
    EXPECT_EQ(format_largenum(100000000), "  100000K");
    EXPECT_EQ(format_largenum(1000000000), "    1000M");
}

TEST(IpvsFormat, TimeoutsAndDaemonsMatchIpvsadm) {
    EXPECT_EQ(format_timeouts({900, 120, 300}), "Timeout (tcp tcpfin udp): 900 120 300\n");
    SyncDaemon m{SyncState::Master, "lo", 3, 1472, 0xE0000051, 8848, 1};
    EXPECT_EQ(format_sync_daemons({m}),
              "master sync daemon (mcast=lo, syncid=3, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n");
}

TEST(IpvsFormat, JsonCarriesEveryField) {
    auto j = to_json(kInfo, sample());
    EXPECT_EQ(j["version"], "1.2.1");
    ASSERT_EQ(j["services"].size(), 4u);
    EXPECT_EQ(j["services"][0]["address"], "10.1.2.3");
    EXPECT_EQ(j["services"][0]["destinations"][0]["forward"], "Masq");
    EXPECT_EQ(j["services"][0]["destinations"][0]["weight"], 3);
    EXPECT_EQ(j["services"][3]["fwmark"], 7);
}

TEST(IpvsFormat, ProtocolColumnIsFourWideLikeIpvsadm) {
    // Captured from ipvsadm in the VM: "SCTP" fills the column, so one space follows it.
    auto s = svc(Protocol::SCTP, 0xC6120064, 9000, "sh", kFlagSched1 | kFlagSched2);
    auto text = format_ipvsadm(kInfo, {s}, ListFormat::Plain);
    EXPECT_NE(text.find("\nSCTP 198.18.0.100:9000 sh (sh-fallback,sh-port)\n"), std::string::npos) << text;
}
