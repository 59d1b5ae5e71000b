// The socket every TCP-based check opens (TCP_CHECK, HTTP_GET, SSL_GET).
#include <gtest/gtest.h>

#include "healthcheck/tcp_checker.hpp"

using namespace healthcheck;
namespace ip = boost::asio::ip;

TEST(CheckSocket, NagleIsOffSoTheRequestAfterTheHandshakeIsNotHeldForADelayedAck) {
    boost::asio::io_context io;
    ip::tcp::socket s(io);
    TcpTarget t{ip::tcp::endpoint(ip::make_address("127.0.0.1"), 9)};
    ASSERT_FALSE(open_and_bind(s, t));
    ip::tcp::no_delay nd;
    s.get_option(nd);
    EXPECT_TRUE(nd.value());
}

TEST(CheckSocket, ABindtoAddressThisHostDoesNotHaveIsAnError) {
    boost::asio::io_context io;
    ip::tcp::socket s(io);
    TcpTarget t{ip::tcp::endpoint(ip::make_address("127.0.0.1"), 9),
                ip::tcp::endpoint(ip::make_address("198.18.255.254"), 0)};
    auto err = open_and_bind(s, t);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("bind to 198.18.255.254"), std::string::npos) << *err;
}
