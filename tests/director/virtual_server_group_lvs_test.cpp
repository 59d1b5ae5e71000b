// A virtual_server group in the LVS half, against the in-memory kernel: every member is one kernel service
// with the same real servers, one health verdict per real server changes it in all of them, start adopts
// the members already there, a reload touches only the members it adds or removes (and keeps the running
// checks), a removed real server drains in every member, and a hand drain naming one member drains the
// real server in all.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <optional>
#include <set>

#include "director/lvs/membership.hpp"
#include "director/lvs/reconciler.hpp"
#include "director/lvs_component.hpp"
#include "director/metrics/daemon_metrics.hpp"
#include "director/reload/config_diff.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/shared_config.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"
#include "tests/director/run_until.hpp"
#include "tests/healthcheck/test_server.hpp"

using namespace director;
using namespace std::chrono_literals;
using ipvs::testing::Borrowed;
using ipvs::testing::FakeKernel;
using testsupport::run_until;

namespace {

uint32_t ip(const std::string& s) { return ntohl(inet_addr(s.c_str())); }

ipvs::ServiceKey tcp80(const std::string& vip) {
    ipvs::ServiceKey k;
    k.address = ip(vip);
    k.port = 80;
    return k;
}

ipvs::ServiceKey fwm(uint32_t mark) {
    ipvs::ServiceKey k;
    k.fwmark = mark;
    return k;
}

// Group K of `range` port 80 and fwmark 7; real servers 198.18.1.1 and .2 (weights 2 and 3), DR.
std::string group_config(const std::string& range, const std::string& checks = "", int servers = 2) {
    std::string s = "virtual_server_group K {\n  " + range + " 80\n  fwmark 7\n}\n"
                    "virtual_server group K {\n  delay_loop 0.2\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n"
                    "  drain_timeout 30\n";
    for (int i = 1; i <= servers; ++i)
        s += "  real_server 198.18.1." + std::to_string(i) + " 80 {\n    weight " + std::to_string(i + 1) + "\n" +
             checks + "  }\n";
    return s + "}\n";
}

const std::set<ipvs::ServiceKey> kThree{tcp80("198.18.0.100"), tcp80("198.18.0.101"), tcp80("198.18.0.102"), fwm(7)};


// MembershipState as the reconciler reads it.
class StateView final : public lvs::HealthSource {
public:
    explicit StateView(const lvs::MembershipState& s) : s_(s) {}
    lvs::RealServerDecision decide(size_t vs, size_t rs, int32_t w) const override { return s_.decide(vs, rs, w); }
    bool use_sorry_server(size_t vs) const override { return s_.use_sorry_server(vs); }

private:
    const lvs::MembershipState& s_;
};

std::set<ipvs::ServiceKey> table_keys(FakeKernel& k) {
    auto held = k.lock();
    std::set<ipvs::ServiceKey> out;
    for (const auto& [key, s] : k.table) out.insert(key);
    return out;
}

// (address -> weight) of the real servers of `key` in the kernel.
std::map<uint32_t, int32_t> weights(FakeKernel& k, const ipvs::ServiceKey& key) {
    auto held = k.lock();
    std::map<uint32_t, int32_t> out;
    for (const auto& d : k.table.at(key).destinations) out[d.dest.address] = d.dest.weight;
    return out;
}

struct Harness {
    boost::asio::io_context io;
    FakeKernel kernel;
    RunOptions opts;
    std::unique_ptr<Component> lvs;
    explicit Harness(const std::string& text) {
        lvs = make_lvs_component(io, testsupport::load_config(text), opts,
                                 [this] { return std::make_unique<Borrowed>(kernel); }, nullptr);
    }
    bool reconciled(int n) { return lvs->status()["counters"]["reconciles"].get<int>() >= n; }
    void reload(const std::string& before, const std::string& after) {
        auto next = testsupport::shared_config(after);
        lvs->apply(next, reload::diff(testsupport::load_config(before), *next));
        bool settled = false;
        lvs->settled([&] { settled = true; });
        ASSERT_TRUE(run_until(io, [&] { return settled; }, 5s));
    }
    void stop() {
        bool done = false;
        lvs->stop([&] { done = true; });
        ASSERT_TRUE(run_until(io, [&] { return done; }, 5s));
    }
};

}  // namespace

TEST(VirtualServerGroupLvs, OneCheckPerRealServerAndItsVerdictChangesEveryMemberService) {
    auto cfg = testsupport::load_config(
        group_config("198.18.0.100-102", "    TCP_CHECK {\n      connect_timeout 1\n    }\n"));
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, cfg);
    ASSERT_TRUE(m);
    auto st = m->status();
    ASSERT_EQ(st.size(), 1u) << "one membership entry for the whole group";
    EXPECT_EQ(st[0]["group"], "K");
    EXPECT_EQ(st[0]["services"], 4);
    ASSERT_EQ(st[0]["real_servers"].size(), 2u);
    for (const auto& rs : st[0]["real_servers"]) EXPECT_EQ(rs["checkers"].size(), 1u) << "not one per member";

    lvs::MembershipState health(cfg);
    StateView view(health);
    FakeKernel kernel;
    lvs::Reconciler rec(kernel);
    ASSERT_TRUE(rec.reconcile(lvs::desired_state(cfg, view)).ok);
    ASSERT_EQ(table_keys(kernel), kThree);
    for (const auto& k : kThree)
        EXPECT_EQ(weights(kernel, k), (std::map<uint32_t, int32_t>{{ip("198.18.1.1"), 2}, {ip("198.18.1.2"), 3}}));

    // 198.18.1.1's one check fails: drained (weight 0) in every member, then removed from every member.
    healthcheck::Checker::Report fail{false, true, healthcheck::failed("connection refused")};
    ASSERT_TRUE(health.apply(0, 0, 0, fail));
    rec.reconcile(lvs::desired_state(cfg, view));
    for (const auto& k : kThree) EXPECT_EQ(weights(kernel, k).at(ip("198.18.1.1")), 0);
    fail.changed = false;
    ASSERT_TRUE(health.apply(0, 0, 0, fail));
    size_t deletes = kernel.count(ipvs::Op::Kind::DelDest);
    rec.reconcile(lvs::desired_state(cfg, view));
    EXPECT_EQ(kernel.count(ipvs::Op::Kind::DelDest), deletes + kThree.size());
    for (const auto& k : kThree) EXPECT_EQ(weights(kernel, k), (std::map<uint32_t, int32_t>{{ip("198.18.1.2"), 3}}));

    // It passes again: back in every member with its weight.
    ASSERT_TRUE(health.apply(0, 0, 0, {true, true, healthcheck::passed("ok")}));
    rec.reconcile(lvs::desired_state(cfg, view));
    for (const auto& k : kThree) EXPECT_EQ(weights(kernel, k).at(ip("198.18.1.1")), 2);
}

TEST(VirtualServerGroupLvs, StartAdoptsTheMembersAlreadyInTheKernelAndStatusNamesTheGroup) {
    Harness h(group_config("198.18.0.100-102"));
    {
        // Left by a kill -9: every member with its real servers and a live counter.
        auto held = h.kernel.lock();
        for (const auto& k : kThree) {
            ipvs::ServiceState s;
            s.service.key = k;
            s.service.scheduler = "rr";
            s.stats.conns = 42;
            for (int i = 1; i <= 2; ++i) {
                ipvs::DestinationState d;
                d.dest.address = ip("198.18.1." + std::to_string(i));
                d.dest.port = 80;
                d.dest.forward = ipvs::Forward::Route;
                d.dest.weight = i + 1;
                s.destinations.push_back(d);
            }
            h.kernel.table[k] = s;
        }
    }
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.reconciled(1); }, 5s));
    EXPECT_TRUE(h.kernel.log.empty()) << "nothing deleted, added or edited: " << h.kernel.log.size() << " ops";
    auto st = h.lvs->status();
    EXPECT_EQ(st["last_reconcile"]["adopted"], 4);
    EXPECT_EQ(st["owned_services"], 4);
    EXPECT_EQ(st["configured_virtual_servers"], 1);
    EXPECT_EQ(st["configured_services"], 4);
    ASSERT_EQ(st["services"].size(), 4u);
    for (const auto& s : st["services"]) EXPECT_EQ(s["group"], "K") << s.dump();
    {
        auto held = h.kernel.lock();
        for (const auto& k : kThree) EXPECT_EQ(h.kernel.table[k].stats.conns, 42u);
    }
    // /metrics reads the same status: one series per member service.
    auto text = metrics::render_daemon_metrics({{"lvs", st}});
    for (const char* svc : {"TCP 198.18.0.100:80", "TCP 198.18.0.101:80", "TCP 198.18.0.102:80", "fwmark 7"})
        EXPECT_NE(text.find(std::string("director_ipvs_service_connections_total{service=\"") + svc + "\"} 42"),
                  std::string::npos)
            << svc << "\n" << text;
    h.stop();
    EXPECT_TRUE(table_keys(h.kernel).empty()) << "a clean stop removes every member";
}

TEST(VirtualServerGroupLvs, AReloadAddsAndRemovesOnlyTheMembersThatChanged) {
    const std::string before = group_config("198.18.0.100-102"), after = group_config("198.18.0.101-103");
    auto diff = reload::diff(testsupport::load_config(before), testsupport::load_config(after));
    const auto* d = diff.virtual_server_group("K", ipvs::Protocol::TCP);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->change, reload::Change::Updated);
    EXPECT_EQ(d->members_added, std::vector{tcp80("198.18.0.103")});
    EXPECT_EQ(d->members_removed, std::vector{tcp80("198.18.0.100")});
    EXPECT_TRUE(d->settings.empty());
    EXPECT_EQ(diff.describe(), (std::vector<std::string>{"virtual_server TCP group K: service TCP 198.18.0.103:80 added",
                                                         "virtual_server TCP group K: service TCP 198.18.0.100:80 removed"}));
    EXPECT_TRUE(reload::diff(testsupport::load_config(before), testsupport::load_config(before)).empty());

    Harness h(before);
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.reconciled(1); }, 5s));
    size_t ops = h.kernel.log.size();
    h.reload(before, after);
    std::vector<ipvs::Op> applied(h.kernel.log.begin() + static_cast<long>(ops), h.kernel.log.end());
    ASSERT_EQ(applied.size(), 4u) << "one service deleted, one added with its two real servers";
    EXPECT_EQ(applied[0].kind, ipvs::Op::Kind::DelService);
    EXPECT_EQ(applied[0].service.key, tcp80("198.18.0.100"));
    EXPECT_EQ(applied[1].kind, ipvs::Op::Kind::AddService);
    EXPECT_EQ(applied[1].service.key, tcp80("198.18.0.103"));
    EXPECT_EQ(table_keys(h.kernel),
              (std::set{tcp80("198.18.0.101"), tcp80("198.18.0.102"), tcp80("198.18.0.103"), fwm(7)}));
    h.stop();
}

TEST(VirtualServerGroupLvs, ARealServerARemovedReloadDrainsInEveryMember) {
    const std::string before = group_config("198.18.0.100-102"), after = group_config("198.18.0.100-102", "", 1);
    Harness h(before);
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.reconciled(1); }, 5s));
    {
        auto held = h.kernel.lock();
        for (auto& [k, s] : h.kernel.table)
            for (auto& d : s.destinations) d.active_conns = 1;  // connections to finish first
    }
    h.reload(before, after);
    for (const auto& k : kThree)
        EXPECT_EQ(weights(h.kernel, k), (std::map<uint32_t, int32_t>{{ip("198.18.1.1"), 2}, {ip("198.18.1.2"), 0}}))
            << ipvs::describe(k);
    EXPECT_EQ(h.lvs->status()["draining"], 4);
    {
        auto held = h.kernel.lock();
        for (auto& [k, s] : h.kernel.table)
            for (auto& d : s.destinations) d.active_conns = 0;
    }
    ASSERT_TRUE(run_until(h.io, [&] { return h.lvs->status()["draining"] == 0; }, 5s));
    for (const auto& k : kThree) EXPECT_EQ(weights(h.kernel, k).size(), 1u) << "drained, then removed";
    EXPECT_EQ(h.lvs->status()["counters"]["drains_completed"], 4);
    h.stop();
}

TEST(VirtualServerGroupLvs, AHandDrainNamingOneMemberDrainsTheRealServerInAll) {
    Harness h(group_config("198.18.0.100-102"));
    h.lvs->start();
    ASSERT_TRUE(run_until(h.io, [&] { return h.reconciled(1); }, 5s));
    std::optional<nlohmann::json> reply;
    dynamic_cast<LvsComponent&>(*h.lvs).backend_request(
        {{"action", "drain"}, {"backend", "198.18.1.2:80"}, {"service", "198.18.0.101:80"}},
        [&](const nlohmann::json& j) { reply = j; });
    ASSERT_TRUE(run_until(h.io, [&] { return reply.has_value(); }, 5s));
    EXPECT_EQ((*reply)["ok"], true) << reply->dump();
    ASSERT_EQ((*reply)["servers"].size(), 4u) << "one line per member service";
    for (const auto& s : (*reply)["servers"]) {
        EXPECT_EQ(s["group"], "K");
        EXPECT_EQ(s["weight"], 0) << s.dump();
    }
    for (const auto& k : kThree)
        EXPECT_EQ(weights(h.kernel, k), (std::map<uint32_t, int32_t>{{ip("198.18.1.1"), 2}, {ip("198.18.1.2"), 0}}));
    h.stop();
}

TEST(VirtualServerGroupLvs, AReloadThatChangesOnlyMembersKeepsTheChecksAndTheirVerdicts) {
    testsupport::TestHttpServer failing({});
    failing.set_status(503);
    auto text = [&](const std::string& range) {
        return "virtual_server_group K {\n  " + range + " 443\n}\nvirtual_server group K {\n  protocol TCP\n"
               "  real_server 127.0.0.1 " + std::to_string(failing.port()) + " {\n    HTTP_GET {\n      url {\n"
               "        path /healthz\n        status_code 200\n      }\n      delay_loop 0.05\n"
               "      connect_timeout 0.3\n      retry 0\n      warmup 0\n    }\n  }\n}\n";
    };
    boost::asio::io_context io;
    auto m = lvs::make_membership(io, testsupport::load_config(text("198.18.0.100-101")));
    ASSERT_TRUE(m);
    m->start();
    ASSERT_TRUE(run_until(io, [&] { return !m->decide(0, 0, 1).present; }, 5s)) << "fails and is removed";
    auto next = m->reload(testsupport::shared_config(text("198.18.0.100-102")));
    ASSERT_TRUE(next);
    m.reset();
    EXPECT_FALSE(next->decide(0, 0, 1).present)
        << "the group is the same virtual_server: its failed server stays out (a fresh check would start in)";
}
