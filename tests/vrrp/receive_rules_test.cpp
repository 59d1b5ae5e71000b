#include <gtest/gtest.h>

#include "tests/vrrp/ipv4_packet.hpp"
#include "vrrp/receive_rules.hpp"

using namespace vrrp;

namespace {

constexpr uint32_t kPeer = 0xC6120002;  // 198.18.0.2
constexpr uint32_t kSelf = 0xC6120001;  // 198.18.0.1
constexpr uint32_t kVip = 0x0A786464;   // 10.120.100.100

Advert good_advert() {
    Advert a;
    a.vrid = 51;
    a.priority = 110;
    a.auth_type = AuthType::Pass;
    a.adver_int = 1;
    a.addresses = {kVip};
    a.auth_data = make_auth_data("k8sHA");
    return a;
}

ReceiveExpect expect() {
    ReceiveExpect e;
    e.vrid = 51;
    e.auth_type = AuthType::Pass;
    e.auth_data = make_auth_data("k8sHA");
    e.adver_int = 1;
    e.addresses = {kVip};
    e.own_address = kSelf;
    return e;
}

std::vector<uint8_t> ip_packet(const std::vector<uint8_t>& payload, uint8_t ttl = 255, uint32_t src = kPeer,
                               uint32_t dst = kMulticastGroup, uint8_t proto = kProtocol) {
    return vrrp_test::ipv4_packet(payload, ttl, src, dst, proto);
}

Verdict check(const std::vector<uint8_t>& pkt, const ReceiveExpect& e = expect()) {
    return check_received(pkt, e);
}

}  // namespace

TEST(VrrpReceive, AcceptsMatchingAdvert) {
    Verdict v = check(ip_packet(encode(good_advert())));
    ASSERT_TRUE(v.accepted);
    EXPECT_FALSE(v.address_mismatch);
    EXPECT_EQ(v.source, kPeer);
    EXPECT_EQ(v.advert.priority, 110);
}

TEST(VrrpReceive, DropsMulticastAdvertWithTtlBelow255) {
    Verdict v = check(ip_packet(encode(good_advert()), 254));
    EXPECT_FALSE(v.accepted);
    EXPECT_EQ(v.reason, DropReason::Ttl);
}

TEST(VrrpReceive, UnicastAdvertMayHaveBeenRouted) {
    ReceiveExpect e = expect();
    e.unicast = true;
    e.peers = {kPeer};
    EXPECT_TRUE(check(ip_packet(encode(good_advert()), 64, kPeer, kSelf), e).accepted);
}

TEST(VrrpReceive, UnicastDropsSenderThatIsNotAPeer) {
    ReceiveExpect e = expect();
    e.unicast = true;
    e.peers = {0xC6120009};
    Verdict v = check(ip_packet(encode(good_advert()), 255, kPeer, kSelf), e);
    EXPECT_EQ(v.reason, DropReason::NotPeer);
}

TEST(VrrpReceive, DropsWrongVersionOrType) {
    auto b = encode(good_advert());
    b[0] = 0x31;
    EXPECT_EQ(check(ip_packet(b)).reason, DropReason::VersionType);
    b[0] = 0x22;
    EXPECT_EQ(check(ip_packet(b)).reason, DropReason::VersionType);
}

TEST(VrrpReceive, DropsBadChecksum) {
    auto b = encode(good_advert());
    b[7] ^= 0xff;
    EXPECT_EQ(check(ip_packet(b)).reason, DropReason::Checksum);
}

TEST(VrrpReceive, DropsLengthThatDisagreesWithCount) {
    auto b = encode(good_advert());
    b[3] = 3;
    EXPECT_EQ(check(ip_packet(b)).reason, DropReason::Length);
}

TEST(VrrpReceive, DropsTruncatedAdvertAsTooShort) {
    auto b = encode(good_advert());
    b.resize(12);
    EXPECT_EQ(check(ip_packet(b)).reason, DropReason::TooShort);
}

TEST(VrrpReceive, IgnoresOtherVridAsUnknown) {
    Advert a = good_advert();
    a.vrid = 52;
    EXPECT_EQ(check(ip_packet(encode(a))).reason, DropReason::UnknownVrid);
}

TEST(VrrpReceive, DropsAuthTypeMismatch) {
    Advert a = good_advert();
    a.auth_type = AuthType::None;
    a.auth_data = {};
    EXPECT_EQ(check(ip_packet(encode(a))).reason, DropReason::AuthType);
}

TEST(VrrpReceive, DropsWrongPassword) {
    Advert a = good_advert();
    a.auth_data = make_auth_data("k8sHB");
    EXPECT_EQ(check(ip_packet(encode(a))).reason, DropReason::AuthPassword);
}

TEST(VrrpReceive, NoAuthInstanceIgnoresAuthDataBytes) {
    ReceiveExpect e = expect();
    e.auth_type = AuthType::None;
    Advert a = good_advert();
    a.auth_type = AuthType::None;
    a.auth_data = make_auth_data("junk");
    EXPECT_TRUE(check(ip_packet(encode(a)), e).accepted);
}

TEST(VrrpReceive, DropsAdvertIntervalMismatch) {
    Advert a = good_advert();
    a.adver_int = 3;
    EXPECT_EQ(check(ip_packet(encode(a))).reason, DropReason::AdvertInterval);
}

TEST(VrrpReceive, AcceptsButFlagsAddressListMismatch) {
    Advert a = good_advert();
    a.addresses = {kVip, 0x0A786465};
    Verdict v = check(ip_packet(encode(a)));
    EXPECT_TRUE(v.accepted);
    EXPECT_TRUE(v.address_mismatch);
}

TEST(VrrpReceive, AddressOrderDoesNotCountAsMismatch) {
    ReceiveExpect e = expect();
    e.addresses = {0x0A000002, 0x0A000001};
    Advert a = good_advert();
    a.addresses = {0x0A000001, 0x0A000002};
    Verdict v = check(ip_packet(encode(a)), e);
    EXPECT_TRUE(v.accepted);
    EXPECT_FALSE(v.address_mismatch);
}

TEST(VrrpReceive, DropsOwnLoopedBackAdvert) {
    EXPECT_EQ(check(ip_packet(encode(good_advert()), 255, kSelf)).reason, DropReason::OwnPacket);
}

TEST(VrrpReceive, DropsNonVrrpOrMalformedIpHeader) {
    EXPECT_EQ(check(ip_packet(encode(good_advert()), 255, kPeer, kMulticastGroup, 6)).reason, DropReason::NotIpv4);
    std::vector<uint8_t> tiny = {0x45, 0, 0};
    EXPECT_EQ(check(tiny).reason, DropReason::NotIpv4);
}

TEST(VrrpReceive, CountersTallyEachReasonSeparately) {
    ReceiveCounters c;
    c.record(check(ip_packet(encode(good_advert()), 1)));
    c.record(check(ip_packet(encode(good_advert()), 1)));
    Advert a = good_advert();
    a.auth_data = make_auth_data("nope");
    c.record(check(ip_packet(encode(a))));
    a = good_advert();
    a.addresses = {};
    c.record(check(ip_packet(encode(a))));
    EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::Ttl)], 2u);
    EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::AuthPassword)], 1u);
    EXPECT_EQ(c.accepted, 1u);
    EXPECT_EQ(c.address_mismatch, 1u);
}

TEST(VrrpReceive, GarbageAndBitFlipsNeverCrashAndFlippedAdvertsAreNeverAccepted) {
    // Deterministic LCG: the same inputs on every run.
    uint32_t seed = 12345;
    auto rnd = [&] { return seed = seed * 1103515245u + 12345u; };
    const auto good = ip_packet(encode(good_advert()));
    for (int i = 0; i < 20000; ++i) {
        std::vector<uint8_t> buf(rnd() % 80);
        for (auto& b : buf) b = static_cast<uint8_t>(rnd() >> 16);
        (void)check(buf);
        // One flipped bit in the VRRP part must be caught (checksum, or a field check before it).
        auto flipped = good;
        size_t bit = 20 * 8 + rnd() % ((flipped.size() - 20) * 8);
        flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(check(flipped).accepted) << "bit " << bit;
    }
}

TEST(VrrpReceive, MulticastModeDropsAdvertSentToOurOwnAddressEvenWithTtl255) {
    // What an off-link attacker sends: a valid advert routed to this host's unicast address.
    Verdict v = check(ip_packet(encode(good_advert()), 255, kPeer, kSelf));
    EXPECT_FALSE(v.accepted);
    EXPECT_EQ(v.reason, DropReason::Destination);
    EXPECT_STREQ(to_string(DropReason::Destination), "destination");
    Verdict routed = check(ip_packet(encode(good_advert()), 253, 0x0A000001, kSelf));
    EXPECT_EQ(routed.reason, DropReason::Destination);
}

TEST(VrrpReceive, UnicastPeerOutsideItsTtlWindowIsDropped) {
    ReceiveExpect e = expect();
    e.unicast = true;
    e.peers = {kPeer, 0xC6120003};
    e.peer_ttls = {{kPeer, 255, 255}};  // `unicast_peer { 198.18.0.2 min_ttl 255 }`: same link only
    EXPECT_TRUE(check(ip_packet(encode(good_advert()), 255, kPeer, kSelf), e).accepted);
    Verdict hop = check(ip_packet(encode(good_advert()), 254, kPeer, kSelf), e);
    EXPECT_FALSE(hop.accepted);
    EXPECT_EQ(hop.reason, DropReason::Ttl);
    // A peer without a window may be any number of hops away.
    EXPECT_TRUE(check(ip_packet(encode(good_advert()), 60, 0xC6120003, kSelf), e).accepted);

    e.peer_ttls = {{kPeer, 60, 64}};
    EXPECT_TRUE(check(ip_packet(encode(good_advert()), 62, kPeer, kSelf), e).accepted);
    EXPECT_EQ(check(ip_packet(encode(good_advert()), 65, kPeer, kSelf), e).reason, DropReason::Ttl);
    EXPECT_EQ(check(ip_packet(encode(good_advert()), 59, kPeer, kSelf), e).reason, DropReason::Ttl);
}
