// TCP_CHECK / HTTP_GET / SSL_GET / MISC_CHECK and SSL blocks: keepalived syntax in, typed values out,
// bad input reported with file:line.
#include <gtest/gtest.h>

#include "director/config/model.hpp"
#include "director/config/values.hpp"

using namespace director::config;

namespace {
std::string vs_with(const std::string& checker) {
    return "virtual_server 198.18.0.100 443 {\n"
           "  delay_loop 3\n"
           "  lb_kind NAT\n"
           "  protocol TCP\n"
           "  real_server 198.18.0.1 6443 {\n"
           "    weight 2\n" +
           checker +
           "  }\n"
           "}\n";
}
Config load_ok(const std::string& text) {
    Diagnostics d;
    Config c = load_text(text, "test.conf", d);
    for (auto& e : d.errors()) ADD_FAILURE() << e.str();
    return c;
}
std::vector<std::string> errors(const std::string& text) {
    Diagnostics d;
    load_text(text, "test.conf", d);
    std::vector<std::string> out;
    for (auto& e : d.errors()) out.push_back(e.str());
    return out;
}
}  // namespace

TEST(CheckerConfig, SslGetWithUrlsCodesDigestAndSni) {
    auto c = load_ok(vs_with("    SSL_GET {\n"
                             "      url {\n        path /healthz\n        status_code 200 300-399\n"
                             "        digest 0123456789ABCDEF0123456789abcdef\n      }\n"
                             "      url {\n        path /livez\n      }\n"
                             "      connect_timeout 2.5\n      retry 3\n      delay_before_retry 0.5\n"
                             "      enable_sni\n      sni_name kubernetes.default\n      http_protocol 1.1\n"
                             "      virtualhost api.local\n      rise 2\n      fall 3\n      warmup 1\n"
                             "    }\n"));
    ASSERT_EQ(c.virtual_servers.size(), 1u);
    const auto& ch = c.virtual_servers[0].real_servers[0].checkers.at(0);
    EXPECT_EQ(ch.kind, CheckerKind::Ssl);
    ASSERT_EQ(ch.urls.size(), 2u);
    EXPECT_EQ(ch.urls[0].path, "/healthz");
    EXPECT_EQ(ch.urls[0].status_codes, (std::vector<std::pair<int, int>>{{200, 200}, {300, 399}}));
    EXPECT_EQ(ch.urls[0].digest, "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(ch.urls[1].path, "/livez");
    EXPECT_EQ(ch.connect_timeout_ms, 2500);
    EXPECT_EQ(ch.retry, 3u);
    EXPECT_EQ(ch.delay_before_retry_ms, 500);
    EXPECT_TRUE(ch.enable_sni);
    EXPECT_EQ(ch.sni_name, "kubernetes.default");
    EXPECT_EQ(ch.http_protocol, "1.1");
    EXPECT_EQ(ch.virtualhost, "api.local");
    EXPECT_EQ(ch.rise, 2u);
    EXPECT_EQ(ch.fall, 3u);
    EXPECT_EQ(ch.warmup_ms, 1000);
}

TEST(CheckerConfig, TcpCheckConnectionOverrides) {
    auto c = load_ok(vs_with("    TCP_CHECK {\n      connect_ip 198.18.0.9\n      connect_port 10250\n"
                             "      bindto 198.18.0.50\n      bind_port 4000\n      connect_timeout 1\n    }\n"));
    const auto& ch = c.virtual_servers[0].real_servers[0].checkers.at(0);
    EXPECT_EQ(ch.connect_ip, parse_ipv4("198.18.0.9"));
    EXPECT_EQ(ch.connect_port, 10250);
    EXPECT_EQ(ch.bindto, parse_ipv4("198.18.0.50"));
    EXPECT_EQ(ch.bind_port, 4000);
    EXPECT_EQ(ch.connect_timeout_ms, 1000);
}

TEST(CheckerConfig, MiscCheckSplitsPathWithoutShell) {
    auto c = load_ok(vs_with("    MISC_CHECK {\n      misc_path \"/usr/local/bin/check api 'two words'\"\n"
                             "      misc_timeout 4\n      misc_dynamic\n      user nobody nogroup\n    }\n"));
    const auto& ch = c.virtual_servers[0].real_servers[0].checkers.at(0);
    EXPECT_EQ(ch.misc_argv, (std::vector<std::string>{"/usr/local/bin/check", "api", "two words"}));
    EXPECT_EQ(ch.misc_timeout_ms, 4000);
    EXPECT_TRUE(ch.misc_dynamic);
    EXPECT_EQ(ch.user, "nobody");
    EXPECT_EQ(ch.group, "nogroup");
}

TEST(CheckerConfig, BadValuesAreErrorsWithLocation) {
    auto e = errors(vs_with("    HTTP_GET {\n      url {\n        path healthz\n        status_code 99 200-100 abc\n"
                            "        digest xyz\n      }\n      connect_timeout soon\n      bogus 1\n"
                            "      http_protocol 2\n    }\n"));
    std::string all;
    for (auto& s : e) all += s + "\n";
    EXPECT_NE(all.find("test.conf:9: path must start with '/'"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:10: status_code: '99'"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:10: status_code: '200-100'"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:11: digest: 'xyz'"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:13: connect_timeout: 'soon'"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:14: unknown keyword 'bogus' in HTTP_GET"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:15: http_protocol: '2'"), std::string::npos) << all;
}

TEST(CheckerConfig, KeepAliveDefaultsAndKeywords) {
    auto c = load_ok(vs_with("    HTTP_GET {\n      url {\n        path /healthz\n      }\n    }\n"
                             "    SSL_GET {\n      url {\n        path /readyz\n      }\n"
                             "      keepalive_requests 1\n      keepalive_max_age 90\n    }\n"));
    const auto& on = c.virtual_servers[0].real_servers[0].checkers.at(0);
    EXPECT_EQ(on.keepalive_requests, 100u);
    EXPECT_EQ(on.keepalive_max_age_ms, 3600 * 1000);
    const auto& off = c.virtual_servers[0].real_servers[0].checkers.at(1);
    EXPECT_EQ(off.keepalive_requests, 1u);
    EXPECT_EQ(off.keepalive_max_age_ms, 90 * 1000);
    auto e = errors(vs_with("    HTTP_GET {\n      url {\n        path /\n      }\n      keepalive_requests 0\n"
                            "      keepalive_max_age 0.5\n    }\n    TCP_CHECK {\n      keepalive_requests 5\n    }\n"));
    std::string all;
    for (auto& s : e) all += s + "\n";
    EXPECT_NE(all.find("test.conf:11: keepalive_requests"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:12: keepalive_max_age"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:15: unknown keyword 'keepalive_requests' in TCP_CHECK"), std::string::npos) << all;
}

TEST(CheckerConfig, MissingPiecesAreErrors) {
    auto e = errors(vs_with("    HTTP_GET {\n      connect_timeout 1\n    }\n    MISC_CHECK {\n      misc_timeout 1\n    }\n"));
    std::string all;
    for (auto& s : e) all += s + "\n";
    EXPECT_NE(all.find("test.conf:7: HTTP_GET without a url block"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:10: MISC_CHECK without misc_path"), std::string::npos) << all;
}

TEST(CheckerConfig, SslBlockNeedsReadableFiles) {
    auto e = errors("SSL {\n  ca /nonexistent/ca.crt\n  certificate /etc/hostname\n}\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].rfind("test.conf:2: SSL ca /nonexistent/ca.crt", 0), 0u) << e[0];
    auto c = load_ok("SSL {\n  ca /etc/hostname\n}\n");
    ASSERT_TRUE(c.ssl);
    EXPECT_EQ(c.ssl->ca, "/etc/hostname");
    auto e2 = errors("SSL {\n  key /etc/hostname\n}\nSSL {\n}\n");
    std::string all;
    for (auto& s : e2) all += s + "\n";
    EXPECT_NE(all.find("test.conf:1: SSL key given without a certificate"), std::string::npos) << all;
    EXPECT_NE(all.find("test.conf:4: SSL block given twice"), std::string::npos) << all;
}

TEST(CheckerConfig, LeftOutValuesAreResolvedFromKeepalivedAndTheVirtualServerWhenLoaded) {
    // delay_loop and virtualhost come after the real server, as keepalived allows.
    auto c = load_ok("virtual_server 198.18.0.100 443 {\n  protocol TCP\n"
                     "  real_server 198.18.0.1 6443 {\n"
                     "    HTTP_GET {\n      url {\n        path /healthz\n      }\n    }\n"
                     "    MISC_CHECK {\n      misc_path /bin/true\n    }\n"
                     "    TCP_CHECK {\n      delay_loop 20\n    }\n"
                     "  }\n  delay_loop 7\n  virtualhost api.example\n}\n");
    const auto& cs = c.virtual_servers.at(0).real_servers.at(0).checkers;
    ASSERT_EQ(cs.size(), 3u);
    const auto& http = cs[0];
    EXPECT_EQ(http.delay_loop_ms, 7000);
    EXPECT_EQ(http.warmup_ms, 7000);  // its delay_loop, as keepalived
    EXPECT_EQ(http.retry, 1u);
    EXPECT_EQ(http.delay_before_retry_ms, 1000);
    EXPECT_EQ(http.connect_timeout_ms, 5000);
    EXPECT_EQ(http.virtualhost, "api.example");
    const auto& misc = cs[1];
    EXPECT_EQ(misc.retry, 0u);  // keepalived does not retry scripts unless told to
    EXPECT_EQ(misc.misc_timeout_ms, 7000);
    const auto& tcp = cs[2];
    EXPECT_EQ(tcp.delay_loop_ms, 20000);  // its own beats the virtual_server's
    EXPECT_EQ(tcp.warmup_ms, 20000);
}

TEST(CheckerConfig, WarmupDefaultsToTheCheckersOwnDelayLoopAndCanBeSetShorter) {
    auto c = load_ok(vs_with("    TCP_CHECK {\n      delay_loop 0.5\n    }\n    HTTP_GET {\n      url {\n        path /\n      }\n"
                             "      delay_loop 30\n      warmup 0\n    }\n"));
    const auto& cs = c.virtual_servers.at(0).real_servers.at(0).checkers;
    EXPECT_EQ(cs.at(0).warmup_ms, 500);
    EXPECT_EQ(cs.at(1).warmup_ms, 0) << "warmup 0: the first check at once";
}

TEST(CheckerConfig, KindKeywordsRoundTrip) {
    for (CheckerKind k : {CheckerKind::Tcp, CheckerKind::Http, CheckerKind::Ssl, CheckerKind::Misc})
        EXPECT_EQ(checker_kind(keyword(k)), k) << keyword(k);
    EXPECT_EQ(checker_kind("DNS_CHECK"), std::nullopt);
    EXPECT_EQ(checker_kind("tcp_check"), std::nullopt);  // keywords are case-sensitive, as in keepalived
}
