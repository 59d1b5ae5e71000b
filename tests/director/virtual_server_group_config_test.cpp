// virtual_server_group: the member forms (address, ranges, prefixes, fwmarks, port-less), their exact
// expansion into kernel services, and every mistake reported at its file:line.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <set>

#include "director/config/model.hpp"
#include "tests/director/config_text.hpp"

using namespace director;
using config::Diagnostics;

namespace {

uint32_t ip(const char* s) { return ntohl(inet_addr(s)); }

ipvs::ServiceKey tcp(const char* addr, uint16_t port) {
    ipvs::ServiceKey k;
    k.protocol = ipvs::Protocol::TCP;
    k.address = ip(addr);
    k.port = port;
    return k;
}

ipvs::ServiceKey fwm(uint32_t mark) {
    ipvs::ServiceKey k;
    k.fwmark = mark;
    return k;
}

std::string user(const std::string& group, const std::string& extra = "", const std::string& protocol = "TCP") {
    return "virtual_server group " + group + " {\n  protocol " + protocol + "\n  lb_algo rr\n" + extra +
           "  real_server 198.18.1.1 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n";
}

std::set<ipvs::ServiceKey> keys_of(const config::VirtualServerConf& vs) {
    return {vs.service_keys().begin(), vs.service_keys().end()};
}

// Loads text that must fail; returns every error as "file:line: message".
std::vector<std::string> errors_of(const std::string& text) {
    Diagnostics d;
    config::load_text(text, "g.conf", d);
    std::vector<std::string> out;
    for (const auto& e : d.errors()) out.push_back(e.str());
    EXPECT_FALSE(out.empty()) << "expected an error";
    return out;
}

bool has(const std::vector<std::string>& errors, const std::string& prefix, const std::string& words) {
    for (const auto& e : errors)
        if (e.rfind(prefix, 0) == 0 && e.find(words) != std::string::npos) return true;
    ADD_FAILURE() << "no error '" << prefix << " ... " << words << "' among:\n"
                  << [&] {
                         std::string all;
                         for (const auto& e : errors) all += e + "\n";
                         return all;
                     }();
    return false;
}

}  // namespace

TEST(VirtualServerGroup, EveryMemberFormExpandsToExactlyItsServices) {
    auto cfg = testsupport::load_config(
        "virtual_server_group G {\n"
        "  198.18.0.1 6443\n"
        "  198.18.0.10-12 80\n"
        "  198.18.0.254-198.18.1.1 80\n"
        "  198.18.2.8/30 443\n"
        "  fwmark 7\n"
        "}\n" +
        user("G"));
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    const auto& vs = cfg.virtual_servers[0];
    EXPECT_EQ(vs.group, "G");
    EXPECT_EQ(vs.name(), "TCP group G");
    std::set<ipvs::ServiceKey> want{tcp("198.18.0.1", 6443), tcp("198.18.0.10", 80),  tcp("198.18.0.11", 80),
                                    tcp("198.18.0.12", 80),  tcp("198.18.0.254", 80), tcp("198.18.0.255", 80),
                                    tcp("198.18.1.0", 80),   tcp("198.18.1.1", 80),   tcp("198.18.2.8", 443),
                                    tcp("198.18.2.9", 443),  tcp("198.18.2.10", 443), tcp("198.18.2.11", 443),
                                    fwm(7)};
    EXPECT_EQ(keys_of(vs), want);
    EXPECT_EQ(vs.members.size(), want.size()) << "no service twice";
    // Every service gets the section's settings.
    for (const auto& k : vs.service_keys()) {
        auto s = vs.service(k);
        EXPECT_EQ(s.key, k);
        EXPECT_EQ(s.scheduler, "rr");
    }
}

TEST(VirtualServerGroup, EveryMemberAddressIsAServiceAddressForTheVrrpFaultRule) {
    auto cfg = testsupport::load_config("virtual_server_group G {\n  198.18.0.10-11 80\n  fwmark 7\n}\n" + user("G") +
                                        "virtual_server 198.18.0.20 443 {\n  protocol TCP\n}\n");
    EXPECT_EQ(config::service_addresses(cfg), (std::set{ip("198.18.0.10"), ip("198.18.0.11"), ip("198.18.0.20")}));
}

TEST(VirtualServerGroup, MayBeDefinedAfterItsVirtualServerAndServeTcpAndUdpAtOnce) {
    auto cfg = testsupport::load_config(user("G") + user("G", "", "UDP") + "virtual_server_group G {\n  198.18.0.1 53\n}\n");
    ASSERT_EQ(cfg.virtual_servers.size(), 2u);
    ipvs::ServiceKey udp = tcp("198.18.0.1", 53);
    udp.protocol = ipvs::Protocol::UDP;
    EXPECT_EQ(keys_of(cfg.virtual_servers[0]), std::set{tcp("198.18.0.1", 53)});
    EXPECT_EQ(keys_of(cfg.virtual_servers[1]), std::set{udp});
}

TEST(VirtualServerGroup, PortLessMemberIsAPersistentPortZeroService) {
    auto cfg = testsupport::load_config("virtual_server_group G {\n  198.18.0.1\n}\n" + user("G", "  persistence_timeout 60\n"));
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    const auto& vs = cfg.virtual_servers[0];
    EXPECT_EQ(keys_of(vs), std::set{tcp("198.18.0.1", 0)});
    auto s = vs.service(vs.members[0]);
    EXPECT_TRUE(s.flags & ipvs::kFlagPersistent);
    EXPECT_EQ(s.timeout_s, 60u);

    auto e = errors_of("virtual_server_group G {\n  198.18.0.1\n}\n" + user("G"));
    has(e, "g.conf:2: ", "has no port, which IPVS accepts only for a persistent service");
}

TEST(VirtualServerGroup, RealServerWithoutPortTakesEachServicesPortButItsCheckNeedsOne) {
    auto cfg = testsupport::load_config(
        "virtual_server_group G {\n  198.18.0.1 80\n  198.18.0.2 8080\n}\n"
        "virtual_server group G {\n  protocol TCP\n  real_server 198.18.1.1 {\n    TCP_CHECK {\n"
        "      connect_port 80\n    }\n  }\n}\n");
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    EXPECT_EQ(cfg.virtual_servers[0].real_servers.at(0).port, 0) << "port 0: the kernel keeps each service's port";

    auto e = errors_of("virtual_server_group G {\n  198.18.0.1 80\n}\n"
                       "virtual_server group G {\n  protocol TCP\n  real_server 198.18.1.1 {\n    TCP_CHECK {\n"
                       "    }\n  }\n}\n");
    has(e, "g.conf:7: ", "has no port to check");
}

TEST(VirtualServerGroup, BadRangesAreErrorsAtTheirLine) {
    auto e = errors_of("virtual_server_group G {\n"
                       "  198.18.0.10-5 80\n"          // 2: end before start
                       "  198.18.0.300 80\n"           // 3: bad octet
                       "  198.18.0.1-256 80\n"         // 4: range end not an octet
                       "  198.18.0.0/33 80\n"          // 5: prefix out of range
                       "  198.18.0.1/24 80\n"          // 6: host bits set
                       "  198.18.1.9-198.18.1.2 80\n"  // 7: full range backwards
                       "  198.18.2.1 70000\n"          // 8: port
                       "  198.18.3.1 80 {\n  }\n"      // 9: a block
                       "}\n" +
                       user("G"));
    has(e, "g.conf:2: ", "range ends (198.18.0.5) before it starts (198.18.0.10)");
    has(e, "g.conf:3: ", "not an IPv4 address");
    has(e, "g.conf:4: ", "range end '256' is not an octet");
    has(e, "g.conf:5: ", "prefix length '33' is not 0..32");
    has(e, "g.conf:6: ", "host bits set; the network is 198.18.0.0/24");
    has(e, "g.conf:7: ", "before it starts");
    has(e, "g.conf:8: ", "70000");
    has(e, "g.conf:9: ", "takes no { } block");
}

TEST(VirtualServerGroup, ARangeBeyondTheCapIsAnErrorNotMillionsOfServices) {
    has(errors_of("virtual_server_group G {\n  10.0.0.0/8 80\n}\n" + user("G")), "g.conf:2: ",
        "is 16777216 addresses, more than the 65536");
    // Each range within the cap, all groups together over it.
    has(errors_of("virtual_server_group G {\n  10.0.0.0/16 80\n}\nvirtual_server_group H {\n  10.1.0.0/16 80\n"
                  "  10.2.0.1 80\n}\n" + user("G") + user("H")),
        "g.conf:5: ", "expand to more than 65536 services");
    // Exactly at the cap is fine.
    auto cfg = testsupport::load_config("virtual_server_group G {\n  10.0.0.0/16 80\n}\n" + user("G"));
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    EXPECT_EQ(cfg.virtual_servers[0].members.size(), 65536u);
}

TEST(VirtualServerGroup, UnknownDuplicateAndEmptyGroupsAreErrors) {
    has(errors_of(user("NOPE")), "g.conf:1: ", "no virtual_server_group NOPE is defined");
    has(errors_of("virtual_server_group G {\n  198.18.0.1 80\n}\nvirtual_server_group G {\n  198.18.0.2 80\n}\n" +
                  user("G")),
        "g.conf:4: ", "virtual_server_group G is defined twice (first at g.conf:1)");
    has(errors_of("virtual_server_group G {\n}\n" + user("G")), "g.conf:1: ", "virtual_server_group G has no members");
}

TEST(VirtualServerGroup, ABadMemberLineIsOneErrorNotAlsoAnEmptyGroup) {
    config::Diagnostics d;
    config::load_text("virtual_server_group G {\n  198.18.0.100-98 80\n}\n" + user("G"), "g.conf", d);
    ASSERT_EQ(d.errors().size(), 1u) << d.errors().back().str();
    EXPECT_EQ(d.errors()[0].str(), "g.conf:2: virtual_server_group G: '198.18.0.100-98': range ends (198.18.0.98) "
                                   "before it starts (198.18.0.100)");
}

TEST(VirtualServerGroup, AServiceNamedTwiceIsAnError) {
    // Within a group: the same member, an overlapping range, the same fwmark.
    auto e = errors_of("virtual_server_group G {\n  198.18.0.1-5 80\n  198.18.0.3 80\n  fwmark 7\n  fwmark 7\n"
                       "  198.18.0.3 81\n}\n" + user("G"));
    has(e, "g.conf:3: ", "198.18.0.3 port 80 is listed twice (198.18.0.1-198.18.0.5 port 80 at g.conf:2)");
    has(e, "g.conf:5: ", "fwmark 7 is listed twice");
    EXPECT_EQ(e.size(), 2u) << "another port is another service";
    // A member that is also a plain virtual_server.
    auto plain = "virtual_server 198.18.0.3 80 {\n  protocol TCP\n}\n";
    has(errors_of(std::string(plain) + "virtual_server_group G {\n  198.18.0.1-5 80\n}\n" + user("G")), "g.conf:5: ",
        "TCP 198.18.0.3:80 of TCP group G (at g.conf:7) is also programmed by virtual_server TCP 198.18.0.3:80 at g.conf:1");
    // Two groups sharing a member.
    has(errors_of("virtual_server_group G {\n  198.18.0.1 80\n}\nvirtual_server_group H {\n  198.18.0.1 80\n}\n" +
                  user("G") + user("H")),
        "g.conf:5: ", "also programmed by virtual_server TCP group G");
    // A fwmark is one kernel service whatever the protocol: a TCP and a UDP user of one group collide on it.
    has(errors_of("virtual_server_group G {\n  fwmark 7\n}\n" + user("G") + user("G", "", "UDP")), "g.conf:2: ",
        "FWM 7 of UDP group G");
}

TEST(VirtualServerGroup, OneGroupServesOneVirtualServerPerProtocol) {
    auto e = errors_of("virtual_server_group G {\n  198.18.0.1 80\n}\n" + user("G") + user("G"));
    has(e, "g.conf:13: ", "virtual_server group G is used twice with protocol TCP (first at g.conf:4)");
}

TEST(VirtualServerGroup, AnUnusedGroupIsAWarning) {
    Diagnostics d;
    config::load_text("virtual_server_group SPARE {\n  198.18.0.1 80\n}\n", "g.conf", d);
    EXPECT_TRUE(d.ok());
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].str(), "g.conf:1: virtual_server_group SPARE is not used by any virtual_server");
}
