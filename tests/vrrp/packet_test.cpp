#include <gtest/gtest.h>

#include "vrrp/packet.hpp"

using namespace vrrp;

namespace {

// Seed 004's advert: VRID 51, priority 110, one VIP 10.120.100.100, PASS "1111", advert interval 1.
// 16-bit words with the checksum field zero:
//   0x2133 (version 2, type 1, vrid 0x33)  0x6E01 (prio 110, count 1)  0x0101 (auth 1, int 1)  0x0000
//   0x0A78 0x6464 (10.120.100.100)  0x3131 0x3131 0x0000 0x0000 ("1111" zero padded)
// Sum: 0x2133+0x6E01=0x8F34, +0x0101=0x9035, +0x0A78=0x9AAD, +0x6464=0xFF11, +0x3131=0x13042,
//      +0x3131=0x16173; fold: 0x6173+0x1=0x6174; one's complement: 0x9E8B.
const std::vector<uint8_t> kSeedAdvert = {0x21, 0x33, 0x6E, 0x01, 0x01, 0x01, 0x9E, 0x8B, 0x0A, 0x78,
                                          0x64, 0x64, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00};

// No authentication, VRID 1, priority 100, two addresses 192.168.0.1 and 192.168.0.2.
//   0x2101 0x6402 0x0001 0x0000 0xC0A8 0x0001 0xC0A8 0x0002 0 0 0 0
// Sum: 0x2101+0x6402=0x8503, +0x0001=0x8504, +0xC0A8=0x145AC, +0x0001=0x145AD, +0xC0A8=0x20655,
//      +0x0002=0x20657; fold: 0x0657+0x2=0x0659; complement: 0xF9A6.
const std::vector<uint8_t> kTwoAddresses = {0x21, 0x01, 0x64, 0x02, 0x00, 0x01, 0xF9, 0xA6, 0xC0, 0xA8, 0x00, 0x01,
                                            0xC0, 0xA8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0};

Advert seed_advert() {
    Advert a;
    a.vrid = 51;
    a.priority = 110;
    a.auth_type = AuthType::Pass;
    a.adver_int = 1;
    a.addresses = {0x0A786464};
    a.auth_data = make_auth_data("1111");
    return a;
}

}  // namespace

TEST(VrrpPacket, EncodesSeedAdvertToHandComputedBytes) { EXPECT_EQ(encode(seed_advert()), kSeedAdvert); }

TEST(VrrpPacket, EncodesTwoAddressesWithoutAuthToHandComputedBytes) {
    Advert a;
    a.vrid = 1;
    a.priority = 100;
    a.addresses = {0xC0A80001, 0xC0A80002};
    EXPECT_EQ(encode(a), kTwoAddresses);
}

TEST(VrrpPacket, DecodesHandWrittenBytes) {
    Decoded d = decode(kSeedAdvert);
    ASSERT_TRUE(d.advert);
    EXPECT_EQ(d.advert->vrid, 51);
    EXPECT_EQ(d.advert->priority, 110);
    EXPECT_EQ(d.advert->auth_type, AuthType::Pass);
    EXPECT_EQ(d.advert->adver_int, 1);
    EXPECT_EQ(d.advert->checksum, 0x9E8B);
    EXPECT_EQ(d.advert->addresses, std::vector<uint32_t>{0x0A786464});
    EXPECT_EQ(d.advert->auth_data, make_auth_data("1111"));

    Decoded two = decode(kTwoAddresses);
    ASSERT_TRUE(two.advert);
    EXPECT_EQ(two.advert->addresses, (std::vector<uint32_t>{0xC0A80001, 0xC0A80002}));
}

TEST(VrrpPacket, ChecksumOfMessageIncludingItsChecksumIsZero) {
    EXPECT_EQ(internet_checksum(kSeedAdvert), 0);
    EXPECT_EQ(internet_checksum(kTwoAddresses), 0);
}

TEST(VrrpPacket, OddLengthChecksumPadsWithZero) {
    // 0x0102 + 0x0300 = 0x0402 -> complement 0xFBFD
    const std::vector<uint8_t> b = {0x01, 0x02, 0x03};
    EXPECT_EQ(internet_checksum(b), 0xFBFD);
}

TEST(VrrpPacket, RejectsFlippedBitAsChecksumError) {
    auto b = kSeedAdvert;
    b[2] ^= 0x01;  // priority 110 -> 111
    Decoded d = decode(b);
    EXPECT_FALSE(d.advert);
    EXPECT_EQ(d.error, DecodeError::Checksum);
}

TEST(VrrpPacket, RejectsVersion3AndUnknownType) {
    auto b = kSeedAdvert;
    b[0] = 0x31;
    EXPECT_EQ(decode(b).error, DecodeError::Version);
    b[0] = 0x22;
    EXPECT_EQ(decode(b).error, DecodeError::Type);
}

TEST(VrrpPacket, RejectsLengthThatDisagreesWithAddressCount) {
    auto b = kSeedAdvert;
    b[3] = 2;  // claims two addresses, carries one
    EXPECT_EQ(decode(b).error, DecodeError::Length);
    auto longer = kSeedAdvert;
    longer.push_back(0);
    EXPECT_EQ(decode(longer).error, DecodeError::Length);
}

TEST(VrrpPacket, RejectsTruncatedMessage) {
    std::vector<uint8_t> b(kSeedAdvert.begin(), kSeedAdvert.begin() + 10);
    EXPECT_EQ(decode(b).error, DecodeError::TooShort);
}

TEST(VrrpPacket, PasswordIsCutAtEightBytesAndZeroPadded) {
    AuthData d = make_auth_data("0123456789");
    EXPECT_EQ(std::string(d.begin(), d.end()), "01234567");
    AuthData s = make_auth_data("ab");
    EXPECT_EQ(s, (AuthData{'a', 'b', 0, 0, 0, 0, 0, 0}));
}

TEST(VrrpPacket, ConstantTimeCompareFindsDifferenceAtAnyPosition) {
    AuthData a = make_auth_data("secret12");
    EXPECT_TRUE(constant_time_equal(a, make_auth_data("secret12")));
    for (size_t i = 0; i < a.size(); ++i) {
        AuthData b = a;
        b[i] ^= 0x80;
        EXPECT_FALSE(constant_time_equal(a, b)) << "byte " << i;
    }
}
