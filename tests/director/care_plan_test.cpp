// The care round decision table against an in-memory IPVS table.
#include <gtest/gtest.h>

#include "director/care/care_loop.hpp"
#include "director/care/plan.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"

using namespace director;
using namespace director::care;
using director::ipvs::testing::FakeKernel;

namespace {

Endpoint ep(const char* s) { return *parse_endpoint(s); }

struct Care {
    FakeKernel kernel;
    Endpoint vs = ep("169.254.0.1:80");
    std::vector<Endpoint> rs{ep("127.0.0.1:8081"), ep("127.0.0.1:8082"), ep("127.0.0.1:8083")};
    ipvs::Service want = desired_service(vs, "rr");

    // One round in which the listed real servers fail their probe and the others pass.
    int round(std::set<std::string> failing = {}) {
        std::map<Endpoint, ProbeResult> probes;
        for (auto& e : rs) {
            bool bad = failing.count(format_endpoint(e)) > 0;
            probes[e] = {!bad, bad ? "connection refused" : ""};
        }
        return apply_steps(kernel, plan_round(want, find_service(kernel.list(), want.key), rs, probes));
    }
    const ipvs::DestinationState* dest(const char* s) {
        auto e = ep(s);
        return kernel.find_dest(want.key, e.address, e.port);
    }
    ipvs::ServiceState* service() { return kernel.find(want.key); }
};

}  // namespace

TEST(CarePlan, MissingServiceIsCreatedWithHealthyRealServersAtWeightOne) {
    Care c;
    EXPECT_EQ(c.round(), 0);
    ASSERT_NE(c.service(), nullptr);
    EXPECT_EQ(c.service()->service.scheduler, "rr");
    ASSERT_EQ(c.service()->destinations.size(), 3u);
    for (auto& d : c.service()->destinations) {
        EXPECT_EQ(d.dest.weight, 1);
        EXPECT_EQ(d.dest.forward, ipvs::Forward::Masq);
    }
}

TEST(CarePlan, FailingServerGoesToWeightZeroThenIsDeletedThenComesBack) {
    Care c;
    c.round();
    c.round({"127.0.0.1:8083"});
    ASSERT_NE(c.dest("127.0.0.1:8083"), nullptr);
    EXPECT_EQ(c.dest("127.0.0.1:8083")->dest.weight, 0);  // graceful: existing connections finish
    EXPECT_EQ(c.dest("127.0.0.1:8081")->dest.weight, 1);

    c.round({"127.0.0.1:8083"});
    EXPECT_EQ(c.dest("127.0.0.1:8083"), nullptr);
    EXPECT_EQ(c.service()->destinations.size(), 2u);

    c.kernel.log.clear();
    c.kernel.lists = 0;
    c.round({"127.0.0.1:8083"});  // still down and already gone: nothing to do
    EXPECT_TRUE(c.kernel.log.empty());
    EXPECT_EQ(c.kernel.lists, 1u);

    c.round();
    ASSERT_NE(c.dest("127.0.0.1:8083"), nullptr);
    EXPECT_EQ(c.dest("127.0.0.1:8083")->dest.weight, 1);
}

TEST(CarePlan, PassingServerAtWeightZeroIsRestoredToOne) {
    Care c;
    c.round();
    c.round({"127.0.0.1:8082"});
    ASSERT_EQ(c.dest("127.0.0.1:8082")->dest.weight, 0);
    c.round();
    EXPECT_EQ(c.dest("127.0.0.1:8082")->dest.weight, 1);
}

TEST(CarePlan, HealthyServerWithOperatorWeightIsLeftAlone) {
    Care c;
    c.round();
    auto d = c.dest("127.0.0.1:8081")->dest;
    d.weight = 5;
    c.kernel.edit_dest(c.want.key, d);
    c.kernel.log.clear();
    c.kernel.lists = 0;
    c.round();
    EXPECT_EQ(c.dest("127.0.0.1:8081")->dest.weight, 5);
    EXPECT_TRUE(c.kernel.log.empty());
    EXPECT_EQ(c.kernel.lists, 1u);
}

TEST(CarePlan, RealServerNotInRsIsRemoved) {
    Care c;
    c.round();
    c.kernel.add_dest(c.want.key, desired_dest(ep("10.0.0.9:6443"), 1));  // a master that left the cluster
    c.round();
    EXPECT_EQ(c.dest("10.0.0.9:6443"), nullptr);
    EXPECT_EQ(c.service()->destinations.size(), 3u);
}

TEST(CarePlan, ServiceDeletedBySomeoneElseIsRecreated) {
    Care c;
    c.round();
    c.kernel.del_service(c.want.key);
    c.round({"127.0.0.1:8082"});
    ASSERT_NE(c.service(), nullptr);
    EXPECT_NE(c.dest("127.0.0.1:8081"), nullptr);
    EXPECT_EQ(c.dest("127.0.0.1:8082"), nullptr);  // only healthy ones are put back
    EXPECT_NE(c.dest("127.0.0.1:8083"), nullptr);
}

TEST(CarePlan, ChangedSchedulerIsPutBack) {
    Care c;
    c.round();
    auto s = c.service()->service;
    s.scheduler = "wlc";
    c.kernel.edit_service(s);
    c.round();
    EXPECT_EQ(c.service()->service.scheduler, "rr");
}

TEST(CarePlan, ForeignServicesAreNeverTouched) {
    Care c;
    ipvs::Service kube = desired_service(ep("10.96.0.1:443"), "rr");  // kube-proxy's, in the same table
    c.kernel.add_service(kube);
    c.kernel.add_dest(kube.key, desired_dest(ep("127.0.0.1:8081"), 1));  // same address as one of ours
    c.kernel.add_dest(kube.key, desired_dest(ep("10.0.0.9:6443"), 0));
    ipvs::Service other_port = desired_service(ep("169.254.0.1:81"), "wlc");
    c.kernel.add_service(other_port);
    auto before = c.kernel.table;

    c.round();
    c.round({"127.0.0.1:8081"});
    c.round({"127.0.0.1:8081"});

    auto* k = c.kernel.find(kube.key);
    ASSERT_NE(k, nullptr);
    ASSERT_EQ(k->destinations.size(), 2u);
    EXPECT_EQ(k->destinations[0].dest.weight, 1);
    EXPECT_EQ(k->destinations[1].dest.weight, 0);
    EXPECT_EQ(c.kernel.find(other_port.key)->service.scheduler, "wlc");
    EXPECT_EQ(c.dest("127.0.0.1:8081"), nullptr);  // ours went through weight 0 -> deleted
}

TEST(CarePlan, LogLinesReadLikeLvscare) {
    Care c;
    c.round();
    auto have = find_service(c.kernel.list(), c.want.key);
    std::map<Endpoint, ProbeResult> probes{{c.rs[0], {true, ""}}, {c.rs[1], {true, ""}}, {c.rs[2], {false, "x"}}};
    auto steps = plan_round(c.want, have, c.rs, probes);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0].why, "Trying to update wight to 0 for graceful termination 127.0.0.1:8083");
    apply_steps(c.kernel, steps);
    steps = plan_round(c.want, find_service(c.kernel.list(), c.want.key), c.rs, probes);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0].why, "Trying to delete real server 127.0.0.1:8083");
    apply_steps(c.kernel, steps);
    probes[c.rs[2]] = {true, ""};
    steps = plan_round(c.want, find_service(c.kernel.list(), c.want.key), c.rs, probes);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0].why, "Trying to add real server back 127.0.0.1:8083");
}

TEST(CarePlan, StepsThatRaceWithAnotherWriterAreNotFailures) {
    Care c;
    c.round();
    auto have = find_service(c.kernel.list(), c.want.key);
    // Plan against a stale view where 8083 is missing, while the kernel already has it.
    have->destinations.pop_back();
    std::map<Endpoint, ProbeResult> ok;
    for (auto& e : c.rs) ok[e] = {true, ""};
    EXPECT_EQ(apply_steps(c.kernel, plan_round(c.want, have, c.rs, ok)), 0);
}

TEST(CarePlan, KernelErrorsAreCountedAndTheRestStillRuns) {
    Care c;
    c.round();
    // A stale view with a destination the kernel no longer has at weight 1: edit fails with ENOENT.
    auto have = find_service(c.kernel.list(), c.want.key);
    c.kernel.del_dest(c.want.key, have->destinations[0].dest);
    std::map<Endpoint, ProbeResult> probes;
    for (auto& e : c.rs) probes[e] = {false, "down"};
    EXPECT_EQ(apply_steps(c.kernel, plan_round(c.want, have, c.rs, probes)), 1);
    EXPECT_EQ(c.dest("127.0.0.1:8082")->dest.weight, 0);
    EXPECT_EQ(c.dest("127.0.0.1:8083")->dest.weight, 0);
}

TEST(CarePlan, SetupAddsEveryRealServerWithoutProbesAndAdoptsExistingWeights) {
    Care c;
    c.kernel.add_service(c.want);
    auto zero = desired_dest(ep("127.0.0.1:8081"), 0);
    c.kernel.add_dest(c.want.key, zero);
    c.kernel.add_dest(c.want.key, desired_dest(ep("10.0.0.9:6443"), 1));
    auto steps = plan_setup(c.want, find_service(c.kernel.list(), c.want.key), c.rs);
    EXPECT_EQ(apply_steps(c.kernel, steps), 0);
    EXPECT_EQ(c.dest("127.0.0.1:8081")->dest.weight, 0);  // adopted as it was
    EXPECT_EQ(c.dest("127.0.0.1:8082")->dest.weight, 1);
    EXPECT_EQ(c.dest("127.0.0.1:8083")->dest.weight, 1);
    EXPECT_EQ(c.dest("10.0.0.9:6443"), nullptr);
}

TEST(CarePlan, RunOnceCreatesEverythingAndCleanRemovesOnlyOurService) {
    Care c;
    ipvs::Service kube = desired_service(ep("10.96.0.1:443"), "rr");
    c.kernel.add_service(kube);
    Options o;
    o.vs = c.vs;
    o.rs = c.rs;
    o.mode = Mode::Route;  // no gateway: no route, so no host networking is touched
    Network net(o);
    EXPECT_EQ(care_run_once(o, c.kernel, net), 0);
    ASSERT_NE(c.service(), nullptr);
    EXPECT_EQ(c.service()->destinations.size(), 3u);
    EXPECT_EQ(care_run_once(o, c.kernel, net), 0);  // idempotent
    EXPECT_EQ(c.service()->destinations.size(), 3u);

    o.clean = true;
    EXPECT_EQ(care_clean(o, c.kernel, net), 0);
    EXPECT_EQ(c.service(), nullptr);
    EXPECT_NE(c.kernel.find(kube.key), nullptr);
    EXPECT_EQ(care_clean(o, c.kernel, net), 0);  // nothing left to remove is fine
}

TEST(CarePlan, LookupReturnsTheOwnedServiceWithItsDestinationsAmongOthers) {
    Care c;
    ipvs::Service other = desired_service(ep("10.96.0.1:443"), "rr");  // kube-proxy's, say
    c.kernel.add_service(other);
    c.kernel.add_dest(other.key, desired_dest(ep("10.0.0.5:6443"), 1));
    EXPECT_FALSE(c.kernel.lookup(c.want.key));
    c.round();
    auto got = c.kernel.lookup(c.want.key);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->service.key, c.want.key);
    EXPECT_EQ(got->destinations.size(), 3u);
    EXPECT_EQ(c.kernel.lookup(other.key)->destinations.size(), 1u);
}
