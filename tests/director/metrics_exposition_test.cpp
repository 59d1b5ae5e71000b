// The Prometheus exposition: escaping and number formatting by hand, then a whole /metrics document built
// from a status document and read back by python3-prometheus-client's parser (a real one), so a format
// slip fails here and not in someone's Prometheus.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "director/metrics/daemon_metrics.hpp"
#include "director/metrics/exposition.hpp"
#include "tests/director/temp_dir.hpp"

using namespace director::metrics;

namespace {

// A status document as `director status --json` gives it: a master with drops, a script, IPVS and health.
nlohmann::json sample_status() {
    return nlohmann::json::parse(R"json({
      "version": "1.0 (abc\"def)", "uptime_s": 12.5, "internal_errors": 0,
      "reload": {"reloads": 3, "rejected": 1, "took_s_sum": 0.25},
      "metrics": {"listen": "127.0.0.1:9650", "accept_errors": 4},
      "control_socket": {"path": "/run/director.sock", "accept_errors": 2},
      "vrrp": {"instances": [{
          "name": "VI_1", "interface": "eth0", "vrid": 51, "state": "MASTER", "priority": 150,
          "effective_priority": 130, "maintenance": false, "adverts_sent": 42, "adverts_received": 7,
          "address_mismatch": 1, "garps_sent": 10, "time_in_state_s": 3.25, "master": "198.18.0.1",
          "priority_zero_sent": 1, "priority_zero_received": 2,
          "vips": ["198.18.0.100/24 dev eth0", "198.18.0.101/24 dev eth1 label eth1:1"],
          "dropped": {"auth_password": 5, "too_short": 1, "length": 2, "ttl": 0, "version_type": 0,
                      "advert_interval": 0, "auth_type": 0},
          "transitions": {"INIT->BACKUP": 1, "BACKUP->MASTER": 2, "MASTER->BACKUP": 1}}],
        "scripts": [{"name": "chk \"api\"\n", "up": true, "runs": 9}]},
      "lvs": {"kernel": "connected", "counters": {"reconciles": 4, "drift_repairs": 1, "kernel_errors": 0, "op_failures": 0},
        "services": [{"protocol": "TCP", "address": "198.18.0.100", "port": 6443,
          "stats": {"conns": 10, "inpkts": 100, "outpkts": 0, "inbytes": 5000, "outbytes": 0},
          "destinations": [{"address": "198.18.0.11", "port": 6443, "weight": 1, "active_conns": 2,
            "inactive_conns": 3, "stats": {"conns": 5, "inpkts": 50, "outpkts": 0, "inbytes": 2500, "outbytes": 0}}]}],
        "membership": [{"virtual_server": "198.18.0.100:6443", "real_servers": [{"address": "198.18.0.11:6443",
          "state": "up", "checkers": [{"check": "SSL_GET 198.18.0.11:6443", "checks": 20, "failed": 3,
          "last": {"ok": true, "latency_ms": 12.5}}]}]}],
        "health_checks": {"checkers": 1, "checks": 20, "failed": 3, "starts": 23, "late_starts": 1,
          "start_delay_max_ms": 6500.0, "start_delay_sum_s": 6.75,
          "start_delay_buckets": [{"le": 0.001, "count": 20}, {"le": 0.005, "count": 21}, {"le": 5.0, "count": 22},
                                  {"le": "+Inf", "count": 23}]}}
    })json");
}

std::string python_parse(const std::string& text) {
    director::testing::TempDir tmp;
    auto path = tmp.path() / "metrics.txt";
    std::ofstream(path) << text;
    // One line per sample: name, sorted labels, value, as the real parser sees them.
    std::string cmd = "/usr/bin/python3 -c '"
                      "import sys\n"
                      "from prometheus_client.parser import text_string_to_metric_families as p\n"
                      "for f in p(open(sys.argv[1]).read()):\n"
                      "    for s in f.samples:\n"
                      "        print(f.type, s.name, sorted(s.labels.items()), repr(s.value))\n"
                      "' " + path.string() + " 2>&1";
    std::string out;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        if (::pclose(f) != 0) return "PARSE FAILED: " + out;
    }
    return out;
}

}  // namespace

TEST(MetricsExposition, LabelValuesAreEscapedAndNumbersRoundTrip) {
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(format_value(42), "42");
    EXPECT_EQ(format_value(0.25), "0.25");
    EXPECT_EQ(format_value(1e300), "1.0000000000000001e+300");
    Exposition e;
    e.family("x_total", Exposition::Type::Counter, "help");
    e.sample({{"k", "v"}}, 1);
    e.family("y", Exposition::Type::Gauge, "other");
    e.sample({}, 2);
    e.family("x_total", Exposition::Type::Counter, "help");  // back to the first: one family, two samples
    e.sample({{"k", "w"}}, 3);
    EXPECT_EQ(e.text(),
              "# HELP x_total help\n# TYPE x_total counter\nx_total{k=\"v\"} 1\nx_total{k=\"w\"} 3\n"
              "# HELP y other\n# TYPE y gauge\ny 2\n");
}

TEST(MetricsExposition, DaemonMetricsParseWithTheRealParserAndMapKeepalivedNames) {
    std::string text = render_daemon_metrics(sample_status());
    std::string parsed = python_parse(text);
    if (parsed.find("No module named 'prometheus_client'") != std::string::npos)
        GTEST_SKIP() << "python3-prometheus-client is not installed (scripts/test.sh installs it)";
    ASSERT_EQ(parsed.find("PARSE FAILED"), std::string::npos) << parsed << "\n" << text;
    auto has = [&](const std::string& line) {
        EXPECT_NE(parsed.find(line + "\n"), std::string::npos) << "missing: " << line << "\nin:\n" << parsed;
    };
    has("gauge director_vrrp_state [('instance', 'VI_1'), ('state', 'MASTER')] 1.0");
    has("gauge director_vrrp_state [('instance', 'VI_1'), ('state', 'BACKUP')] 0.0");
    has("gauge director_vrrp_effective_priority [('instance', 'VI_1')] 130.0");
    has("counter director_vrrp_adverts_dropped_total [('instance', 'VI_1'), ('reason', 'auth_password')] 5.0");
    has("counter director_vrrp_transitions_total [('from', 'BACKUP'), ('instance', 'VI_1'), ('to', 'MASTER')] 2.0");
    // keepalived-exporter: state 2 per VIP with its own device; sums of our finer drop reasons.
    has("gauge keepalived_vrrp_state [('iname', 'VI_1'), ('intf', 'eth0'), ('ip_address', '198.18.0.100'), ('vrid', '51')] 2.0");
    has("gauge keepalived_vrrp_state [('iname', 'VI_1'), ('intf', 'eth1'), ('ip_address', '198.18.0.101'), ('vrid', '51')] 2.0");
    const std::string kl = "[('iname', 'VI_1'), ('intf', 'eth0'), ('state', 'MASTER'), ('vrid', '51')]";
    has("counter keepalived_packet_length_errors_total " + kl + " 3.0");
    has("counter keepalived_authentication_failure_total " + kl + " 5.0");
    has("counter keepalived_become_master_total " + kl + " 2.0");
    has("counter keepalived_release_master_total " + kl + " 1.0");
    has("counter keepalived_priority_zero_received_total " + kl + " 2.0");
    has("gauge keepalived_script_status [('name', 'chk \"api\"\\n')] 1.0");
    has("gauge director_build_info [('version', '1.0 (abc\"def)')] 1.0");
    has("counter director_reloads_total [('result', 'applied')] 2.0");
    has("summary director_reload_duration_seconds_sum [] 0.25");
    has("counter director_ipvs_real_server_packets_total [('direction', 'in'), ('real_server', '198.18.0.11:6443'), "
        "('service', 'TCP 198.18.0.100:6443')] 50.0");
    has("gauge director_ipvs_real_server_active_connections [('real_server', '198.18.0.11:6443'), "
        "('service', 'TCP 198.18.0.100:6443')] 2.0");
    has("counter director_health_checks_total [('check', 'SSL_GET 198.18.0.11:6443'), ('real_server', "
        "'198.18.0.11:6443'), ('result', 'failure'), ('virtual_server', '198.18.0.100:6443')] 3.0");
    has("gauge director_health_check_last_latency_seconds [('check', 'SSL_GET 198.18.0.11:6443'), ('real_server', "
        "'198.18.0.11:6443'), ('virtual_server', '198.18.0.100:6443')] 0.0125");
    // Start delays: one daemon-wide histogram, its max and the late starts.
    has("histogram director_health_check_start_delay_seconds_bucket [('le', '0.001')] 20.0");
    has("histogram director_health_check_start_delay_seconds_bucket [('le', '0.005')] 21.0");
    has("histogram director_health_check_start_delay_seconds_bucket [('le', '5')] 22.0");
    has("histogram director_health_check_start_delay_seconds_bucket [('le', '+Inf')] 23.0");
    has("histogram director_health_check_start_delay_seconds_count [] 23.0");
    has("histogram director_health_check_start_delay_seconds_sum [] 6.75");
    has("gauge director_health_check_start_delay_max_seconds [] 6.5");
    has("counter director_health_check_late_starts_total [] 1.0");
    has("counter director_metrics_accept_errors_total [] 4.0");
    has("counter director_control_socket_accept_errors_total [] 2.0");
}

TEST(MetricsExposition, KeepalivedStateCodesAreTheExportersOnes) {
    EXPECT_EQ(keepalived_state_code("INIT"), 0);
    EXPECT_EQ(keepalived_state_code("BACKUP"), 1);
    EXPECT_EQ(keepalived_state_code("MASTER"), 2);
    EXPECT_EQ(keepalived_state_code("FAULT"), 3);
    EXPECT_EQ(keepalived_state_code("STOPPED"), 0);
}
