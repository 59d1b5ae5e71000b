// `director lab`'s plan: the configs it writes are real configs (the loader accepts them), the
// addresses stay in 198.18.0.0/15, names fit interfaces and namespaces, and the manifest round-trips.
#include <gtest/gtest.h>

#include "director/config/model.hpp"
#include "director/lab/pki.hpp"
#include "director/lab/plan.hpp"
#include "temp_dir.hpp"
#include "config_text.hpp"

namespace {

using namespace director::lab;

class LabPlan : public ::testing::Test {
protected:
    Plan plan(bool ipvs, int backends = 3) {
        Plan p = make_plan("t1", backends, dir_.path(), ipvs, "secret-pass-long");
        std::vector<LeafSpec> leaves;
        for (const Node* b : p.with_role(Role::Backend)) leaves.push_back({b->name, {b->address, p.vip}});
        write_pki(p.pki(), leaves);  // the config names the CA file, which must exist to load
        return p;
    }
    director::testing::TempDir dir_;
};

TEST_F(LabPlan, DirectorConfigsLoadWithAVrrpPairAndOneCheckedRealServerPerBackend) {
    Plan p = plan(true);
    auto directors = p.with_role(Role::Director);
    ASSERT_EQ(directors.size(), 2u);
    std::set<int> priorities;
    for (const Node* d : directors) {
        auto cfg = testsupport::load_ok(director_config(p, *d), d->name + ".conf");
        ASSERT_EQ(cfg.vrrp_instances.size(), 1u);
        const auto& in = cfg.vrrp_instances[0];
        EXPECT_EQ(in.interface, "eth0");
        EXPECT_EQ(in.auth_pass, "secret-p");  // PASS auth carries 8 bytes on the wire
        priorities.insert(in.priority);
        ASSERT_EQ(cfg.virtual_servers.size(), 1u);
        const auto& vs = cfg.virtual_servers[0];
        EXPECT_EQ(vs.name(), "TCP " + p.vip + ":6443");
        ASSERT_EQ(vs.real_servers.size(), 3u);
        for (const auto& rs : vs.real_servers) {
            ASSERT_EQ(rs.checkers.size(), 1u);
            EXPECT_EQ(rs.checkers[0].kind, director::config::CheckerKind::Ssl);
        }
        EXPECT_TRUE(cfg.ssl.has_value());
    }
    EXPECT_EQ(priorities.size(), 2u) << "one director must win the election";
}

TEST_F(LabPlan, WithoutIpvsTheChecksMoveToAFirewallMarkServiceSoTheVipIsNotHeldBack) {
    Plan p = plan(false);
    auto cfg = testsupport::load_ok(director_config(p, *p.node("director-a")));
    ASSERT_EQ(cfg.virtual_servers.size(), 1u);
    EXPECT_TRUE(cfg.virtual_servers[0].key.fwmark != 0);
    EXPECT_TRUE(director::config::service_addresses(cfg).empty());
    EXPECT_EQ(cfg.virtual_servers[0].real_servers.size(), 3u);
}

TEST_F(LabPlan, AddressesComeFromTheBenchmarkingRangeAndAreDistinct) {
    Plan p = plan(true, kMaxBackends);
    std::set<std::string> seen{p.vip};
    for (const auto& n : p.nodes) {
        EXPECT_EQ(n.address.rfind("198.18.", 0), 0u) << n.address;
        EXPECT_TRUE(seen.insert(n.address).second) << n.address << " twice";
        EXPECT_LE(n.port_name().size(), 15u) << "interface names are at most 15 bytes";
        EXPECT_EQ(n.ns.rfind(ns_prefix("t1"), 0), 0u);
    }
    EXPECT_EQ(p.nodes.size(), 3u + kMaxBackends);
}

TEST(LabName, RejectsNamesThatDoNotFitNamespacesOrShells) {
    EXPECT_FALSE(check_name("default"));
    EXPECT_FALSE(check_name("ci-7"));
    for (std::string bad : {"", "-x", "UPPER", "a b", "a/b", "thirteen-char", "x;rm"}) EXPECT_TRUE(check_name(bad)) << bad;
    director::testing::TempDir d;
    EXPECT_THROW(make_plan("a/b", 3, d.path(), true, "p"), std::invalid_argument);
    EXPECT_THROW(make_plan("ok", 0, d.path(), true, "p"), std::invalid_argument);
    EXPECT_THROW(make_plan("ok", kMaxBackends + 1, d.path(), true, "p"), std::invalid_argument);
}

TEST_F(LabPlan, ManifestRoundTripsEveryField) {
    Plan p = plan(false, 2);
    p.ipvs_reason = "no IPVS";
    Plan q = plan_from_json(nlohmann::json::parse(to_json(p).dump()));
    EXPECT_EQ(to_json(q), to_json(p));
    EXPECT_EQ(director_config(q, *q.node("director-b")), director_config(p, *p.node("director-b")));
    EXPECT_THROW(plan_from_json(nlohmann::json{{"name", "x"}}), nlohmann::json::exception);
}

}  // namespace
