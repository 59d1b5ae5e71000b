#include "host/ipv4.hpp"

#include <gtest/gtest.h>

using namespace host;

TEST(Ipv4, ParsesDottedQuadInHostOrder) {
    EXPECT_EQ(parse_ipv4("10.0.0.1"), 0x0a000001u);
    EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
    EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xffffffffu);
}

TEST(Ipv4, RejectsWhatInetPtonRejects) {
    for (const char* bad : {"", "10.0.0", "10.0.0.1.2", "10.0.0.256", "010.0.0.1", " 10.0.0.1", "10.0.0.1 ",
                            "10.0.0.1/24", "::1", "a.b.c.d", "1e1.0.0.1"})
        EXPECT_FALSE(parse_ipv4(bad)) << bad;
}

TEST(Ipv4, ParsesFromAViewThatIsNotTerminated) {
    std::string_view text = "192.168.1.10:80";
    EXPECT_EQ(parse_ipv4(text.substr(0, 12)), 0xc0a8010au);
}

TEST(Ipv4, FormatsHostOrder) {
    EXPECT_EQ(format_ipv4(0x0a000001u), "10.0.0.1");
    EXPECT_EQ(format_ipv4(0), "0.0.0.0");
    EXPECT_EQ(format_ipv4(0xffffffffu), "255.255.255.255");
}

TEST(Ipv4, AddrPortKeepsPortZero) {
    EXPECT_EQ(format_addr_port(0x0a000001u, 80), "10.0.0.1:80");
    EXPECT_EQ(format_addr_port(0x0a000001u, 0), "10.0.0.1:0");
    EXPECT_EQ(format_addr_port(0x0a000001u, 65535), "10.0.0.1:65535");
}

TEST(Ipv4, EndpointRoundTrips) {
    auto e = parse_endpoint("10.103.97.2:6443");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->address, 0x0a676102u);
    EXPECT_EQ(e->port, 6443);
    EXPECT_EQ(format_endpoint(*e), "10.103.97.2:6443");
}

TEST(Ipv4, EndpointNeedsAPortInRange) {
    for (const char* bad : {"10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:-1", "10.0.0.1:80x",
                            "10.0.0.1: 80", ":80", "host:80", "10.0.0.1:80:81"})
        EXPECT_FALSE(parse_endpoint(bad)) << bad;
    EXPECT_TRUE(parse_endpoint("10.0.0.1:1"));
    EXPECT_TRUE(parse_endpoint("10.0.0.1:65535"));
}
