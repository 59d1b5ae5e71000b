// `care` flags: lvscare's spellings and defaults, CARE_* environment variables, clear errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "director/care/duration.hpp"
#include "director/care/options.hpp"

using namespace director::care;
using namespace std::chrono_literals;

namespace {

// Parses like `lvscare care ARGS...` does: the same registration, then the same validation.
Options parse(std::vector<std::string> args, const std::string& hosts = "/nonexistent-hosts") {
    CLI::App app{"test"};
    RawFlags raw;
    auto* care = app.add_subcommand("care");
    register_care_flags(*care, raw);
    args.insert(args.begin(), "care");
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app.parse(args);
    return finalize_care_flags(raw, hosts);
}

// Sets CARE_* variables for one test and removes them afterwards.
struct Env {
    std::vector<std::string> names;
    void set(const std::string& k, const std::string& v) {
        ::setenv(k.c_str(), v.c_str(), 1);
        names.push_back(k);
    }
    ~Env() {
        for (auto& n : names) ::unsetenv(n.c_str());
    }
};

uint32_t ip(const char* s) { return *parse_ipv4(s); }

}  // namespace

TEST(CareOptions, DefaultsMatchLvscare) {
    ::unsetenv("LVSCARE_NODE_IP");
    auto o = parse({"--vs", "10.103.97.12:6443", "--rs", "192.168.0.2:6443"});
    EXPECT_EQ(o.vs, (Endpoint{ip("10.103.97.12"), 6443}));
    ASSERT_EQ(o.rs.size(), 1u);
    EXPECT_EQ(o.scheduler, "rr");
    EXPECT_EQ(o.iface, "lvscare");
    EXPECT_EQ(o.logger, "INFO");
    EXPECT_EQ(o.mode, Mode::Route);
    EXPECT_FALSE(o.run_once);
    EXPECT_FALSE(o.clean);
    EXPECT_EQ(o.interval, 5s);
    EXPECT_FALSE(o.gateway.has_value());
    EXPECT_EQ(o.masquerade_bit, 0);
    EXPECT_EQ(o.masquerade_mark(), 0x1u);
    EXPECT_EQ(o.probe.path, "/healthz");
    EXPECT_EQ(o.probe.scheme, Scheme::Https);
    EXPECT_EQ(o.probe.method, "GET");
    EXPECT_EQ(o.probe.body, "");
    EXPECT_TRUE(o.probe.headers.empty());
    EXPECT_TRUE(o.probe.extra_ok_status.empty());
    EXPECT_TRUE(o.probe.insecure_skip_verify);
    EXPECT_EQ(o.probe.timeout, 10s);
}

TEST(CareOptions, EveryFlagIsParsed) {
    auto o = parse({"--vs", "169.254.0.1:80", "--rs", "127.0.0.1:8081", "--rs", "127.0.0.1:8082,127.0.0.1:8083",
                    "--scheduler", "wlc", "-i", "kube-lb0", "--logger", "DEBG", "--mode", "link", "--run-once",
                    "--interval", "500ms", "--ip", "192.168.0.9", "--masqueradebit", "1", "--health-path",
                    "ready", "--health-schem", "http", "--health-req-method", "POST", "--health-req-body",
                    "{\"a\":1}", "--health-req-headers", "X-A=1", "--health-req-headers", "Content-Type=application/json",
                    "--health-status", "401", "--health-status", "403,404", "--health-insecure-skip-verify=false",
                    "--health-timeout", "1m30s"});
    ASSERT_EQ(o.rs.size(), 3u);
    EXPECT_EQ(o.rs[2], (Endpoint{ip("127.0.0.1"), 8083}));
    EXPECT_EQ(o.scheduler, "wlc");
    EXPECT_EQ(o.iface, "kube-lb0");
    EXPECT_EQ(o.logger, "DEBG");
    EXPECT_EQ(o.mode, Mode::Link);
    EXPECT_TRUE(o.run_once);
    EXPECT_EQ(o.interval, 500ms);
    EXPECT_EQ(o.gateway, ip("192.168.0.9"));
    EXPECT_EQ(o.masquerade_mark(), 0x2u);
    EXPECT_EQ(o.probe.path, "/ready");  // lvscare adds the missing slash
    EXPECT_EQ(o.probe.scheme, Scheme::Http);
    EXPECT_EQ(o.probe.method, "POST");
    EXPECT_EQ(o.probe.body, "{\"a\":1}");
    ASSERT_EQ(o.probe.headers.size(), 2u);
    EXPECT_EQ(o.probe.headers[1], (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
    EXPECT_EQ(o.probe.extra_ok_status, (std::set<int>{401, 403, 404}));
    EXPECT_FALSE(o.probe.insecure_skip_verify);
    EXPECT_EQ(o.probe.timeout, 90s);
}

TEST(CareOptions, CleanNeedsNoRealServersAndShortFlagWorks) {
    auto o = parse({"--vs", "169.254.0.1:80", "--logger", "DEBG", "-C"});
    EXPECT_TRUE(o.clean);
    EXPECT_TRUE(o.rs.empty());
    EXPECT_TRUE(parse({"--vs", "169.254.0.1:80", "--clean"}).clean);
}

TEST(CareOptions, TcpSchemeIsAccepted) {
    EXPECT_EQ(parse({"--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--health-schem", "tcp"}).probe.scheme, Scheme::Tcp);
}

TEST(CareOptions, IntervalTakesBareSecondsOrGoDurations) {
    auto interval = [](const char* v) { return parse({"--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--interval", v}).interval; };
    EXPECT_EQ(interval("5"), 5s);
    EXPECT_EQ(interval("10"), 10s);
    EXPECT_EQ(interval("500ms"), 500ms);
    EXPECT_EQ(interval("1m"), 60s);
    EXPECT_EQ(interval("1.5s"), 1500ms);
    EXPECT_EQ(interval("2m3s"), 123s);
    EXPECT_EQ(interval("0"), 5s);  // lvscare: 0 means the default
    EXPECT_THROW(interval("5x"), FlagError);
    EXPECT_THROW(interval("s"), FlagError);
    EXPECT_THROW(interval("-1s"), FlagError);
    EXPECT_THROW(interval("1ms"), FlagError);  // a busy loop, not an interval
}

TEST(CareOptions, GoDurationGrammar) {
    EXPECT_EQ(parse_go_duration("300ms"), std::chrono::nanoseconds(300ms));
    EXPECT_EQ(parse_go_duration("1h2m3s"), std::chrono::nanoseconds(3723s));
    EXPECT_EQ(parse_go_duration("1.5h"), std::chrono::nanoseconds(5400s));
    EXPECT_EQ(parse_go_duration("250us"), std::chrono::nanoseconds(250us));
    EXPECT_EQ(parse_go_duration("7ns"), std::chrono::nanoseconds(7));
    EXPECT_EQ(parse_go_duration("0"), std::chrono::nanoseconds(0));
    EXPECT_FALSE(parse_go_duration("10"));  // Go: missing unit
    EXPECT_FALSE(parse_go_duration(""));
    EXPECT_FALSE(parse_go_duration("3d"));
    EXPECT_FALSE(parse_go_duration("1s2"));
}

TEST(CareOptions, EnvironmentFillsFlagsNotGiven) {
    Env env;
    env.set("CARE_VS", "10.103.97.12:6443");
    env.set("CARE_RS", "192.168.0.2:6443,192.168.0.3:6443");
    env.set("CARE_HEALTH_PATH", "/livez");
    env.set("CARE_INTERVAL", "2");
    env.set("CARE_MODE", "link");
    env.set("CARE_HEALTH_INSECURE_SKIP_VERIFY", "false");
    env.set("CARE_MASQUERADEBIT", "3");
    env.set("CARE_RUN_ONCE", "true");
    auto o = parse({"--interval", "7"});
    EXPECT_EQ(o.vs, (Endpoint{ip("10.103.97.12"), 6443}));
    ASSERT_EQ(o.rs.size(), 2u);
    EXPECT_EQ(o.rs[1], (Endpoint{ip("192.168.0.3"), 6443}));
    EXPECT_EQ(o.probe.path, "/livez");
    EXPECT_EQ(o.interval, 7s);  // the command line wins
    EXPECT_EQ(o.mode, Mode::Link);
    EXPECT_FALSE(o.probe.insecure_skip_verify);
    EXPECT_EQ(o.masquerade_bit, 3);
    EXPECT_TRUE(o.run_once);
}

TEST(CareOptions, UnknownFlagIsAnErrorNamingIt) {
    try {
        parse({"--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--health-port", "6443"});
        FAIL() << "accepted an unknown flag";
    } catch (const CLI::ParseError& e) {
        EXPECT_NE(std::string(e.what()).find("--health-port"), std::string::npos) << e.what();
    }
}

TEST(CareOptions, VsIsRequired) {
    EXPECT_THROW(parse({"--rs", "1.2.3.5:80"}), CLI::RequiredError);
}

TEST(CareOptions, RsIsRequiredUnlessCleaning) {
    try {
        parse({"--vs", "1.2.3.4:80"});
        FAIL();
    } catch (const FlagError& e) {
        EXPECT_NE(std::string(e.what()).find("\"rs\""), std::string::npos) << e.what();
    }
}

// Found by tests/fuzz/care_flags: stod threw std::out_of_range past main()'s ParseError handler (abort).
TEST(CareOptions, DurationBeyondDoubleRangeIsAFlagError) {
    const std::string huge(400, '1');
    EXPECT_FALSE(parse_go_duration(huge + "s"));
    EXPECT_FALSE(parse_go_duration("0." + std::string(400, '0') + "1s"));
    EXPECT_THROW(parse({"--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--health-timeout", huge + "s"}), FlagError);
    EXPECT_THROW(parse({"--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--interval", huge + "ms"}), FlagError);
}

TEST(CareOptions, BadValuesNameTheFlag) {
    auto message = [](std::vector<std::string> extra) -> std::string {
        std::vector<std::string> args{"--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80"};
        args.insert(args.end(), extra.begin(), extra.end());
        try {
            parse(args);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "accepted";
    };
    EXPECT_NE(message({"--scheduler", "fifo"}).find("--scheduler"), std::string::npos);
    EXPECT_NE(message({"--mode", "bridge"}).find("--mode"), std::string::npos);
    EXPECT_NE(message({"--health-schem", "ftp"}).find("--health-schem"), std::string::npos);
    EXPECT_NE(message({"--health-status", "200"}).find("--health-status"), std::string::npos);
    EXPECT_NE(message({"--health-req-headers", "novalue"}).find("--health-req-headers"), std::string::npos);
    EXPECT_NE(message({"--health-timeout", "soon"}).find("--health-timeout"), std::string::npos);
    EXPECT_NE(message({"--ip", "300.1.1.1"}).find("--ip"), std::string::npos);
    EXPECT_NE(message({"--logger", "TRACE"}).find("--logger"), std::string::npos);
    EXPECT_NE(message({"--masqueradebit", "32"}).find("masqueradebit"), std::string::npos);
    EXPECT_NE(message({"-i", "much-too-long-name0"}).find("--iface"), std::string::npos);
    EXPECT_NE(message({"--rs", "1.2.3.6"}).find("--rs"), std::string::npos);
    EXPECT_NE(message({"--rs", "1.2.3.6:0"}).find("--rs"), std::string::npos);
}

TEST(CareOptions, RouteGatewayComesFromHostsFileWhenIpNotGiven) {
    ::unsetenv("LVSCARE_NODE_IP");
    auto hosts = std::filesystem::temp_directory_path() / ("care-hosts-" + std::to_string(::getpid()));
    {
        std::ofstream out(hosts);
        out << "127.0.0.1 localhost\n# 10.0.0.1 lvscare.node.ip\n192.168.0.5 apiserver.cluster.local lvscare.node.ip\n";
    }
    auto o = parse({"--vs", "10.103.97.2:6443", "--rs", "192.168.0.2:6443"}, hosts);
    EXPECT_EQ(o.gateway, ip("192.168.0.5"));
    auto given = parse({"--vs", "10.103.97.2:6443", "--rs", "192.168.0.2:6443", "--ip", "192.168.0.7"}, hosts);
    EXPECT_EQ(given.gateway, ip("192.168.0.7"));
    auto link = parse({"--vs", "10.103.97.2:6443", "--rs", "192.168.0.2:6443", "--mode", "link"}, hosts);
    EXPECT_FALSE(link.gateway.has_value());  // link mode needs no gateway
    std::filesystem::remove(hosts);
}
