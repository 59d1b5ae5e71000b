// The one rule for "already so" (EEXIST on add, ESRCH/ENOENT on delete are done) and that both writers of
// the table, the reconciler and care mode, go by it.
#include <gtest/gtest.h>

#include <cerrno>

#include "director/care/plan.hpp"
#include "director/ipvs/applier.hpp"
#include "director/lvs/reconciler.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"

using namespace director;
using director::ipvs::Op;
using director::ipvs::testing::FakeKernel;

namespace {

ipvs::ServiceKey vip() { return {ipvs::Protocol::TCP, 0xC6120064, 80, 0}; }

ipvs::Service service() {
    ipvs::Service s;
    s.key = vip();
    s.scheduler = "rr";
    return s;
}

ipvs::Destination dest(uint32_t address, int32_t weight = 1) {
    ipvs::Destination d;
    d.address = address;
    d.port = 80;
    d.weight = weight;
    return d;
}

}  // namespace

TEST(IpvsApplier, AnAddOfWhatIsPresentIsDone) {
    FakeKernel k;
    k.add_service(service());
    k.add_dest(vip(), dest(0x0A000001));
    auto r = ipvs::apply_ops(k, {Op::add_service(service()), Op::add_dest(vip(), dest(0x0A000001))});
    EXPECT_EQ(r, (std::vector<int>{0, 0}));
    EXPECT_EQ(k.count(Op::Kind::AddDest), 2u);  // it was sent: the kernel answered EEXIST
}

TEST(IpvsApplier, ADeleteOfWhatIsGoneIsDoneWhetherTheKernelSaysEsrchOrEnoent) {
    FakeKernel k;
    k.add_service(service());
    ipvs::ServiceKey gone = vip();
    gone.port = 81;
    auto r = ipvs::apply_ops(k, {Op::del_dest(vip(), dest(0x0A000001)),   // ENOENT: no such destination
                                 Op::del_dest(gone, dest(0x0A000001)),    // ESRCH: no such service
                                 Op::del_service(gone)});                 // ESRCH
    EXPECT_EQ(r, (std::vector<int>{0, 0, 0}));
}

TEST(IpvsApplier, AnEditOfWhatIsMissingFailsWithItsErrnoAndTheLaterOpsStillRun) {
    FakeKernel k;
    k.add_service(service());
    auto r = ipvs::apply_ops(k, {Op::edit_dest(vip(), dest(0x0A000001, 0)), Op::add_dest(vip(), dest(0x0A000002))});
    EXPECT_EQ(r, (std::vector<int>{ENOENT, 0}));
    EXPECT_NE(k.find_dest(vip(), 0x0A000002, 80), nullptr);
    EXPECT_EQ(ipvs::failure_text(Op::edit_dest(vip(), dest(0x0A000001, 0)), ENOENT),
              ipvs::describe(Op::edit_dest(vip(), dest(0x0A000001, 0))) + ": No such file or directory");
}

TEST(IpvsApplier, AnAddThatFailsForAnotherReasonIsAFailure) {
    FakeKernel k;  // no service: adding a destination to it is ESRCH, which is not "already so" for an add
    auto r = ipvs::apply_ops(k, {Op::add_dest(vip(), dest(0x0A000001))});
    EXPECT_EQ(r, (std::vector<int>{ESRCH}));
}

TEST(IpvsApplier, CareCountsADeleteInAServiceSomeoneRemovedAsDoneLikeTheReconciler) {
    FakeKernel k;  // the service went away between care's listing and its step
    std::vector<care::Step> steps{{Op::del_dest(vip(), dest(0x0A000001)), "Trying to delete real server 10.0.0.1:80"},
                                  {Op::add_service(service()), "Creating virtual server 198.18.0.100:80"},
                                  {Op::add_service(service()), "Creating virtual server 198.18.0.100:80"},
                                  {Op::edit_dest(vip(), dest(0x0A000009)), "Trying to update wight to 1"}};
    EXPECT_EQ(care::apply_steps(k, steps), 1);  // only the edit of a destination that is not there
}

TEST(IpvsApplier, TheReconcilerCountsAServiceSomeoneRemovedAsDeletedOnStop) {
    FakeKernel k;
    auto cfg = testsupport::load_config(R"(
virtual_server 198.18.0.100 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.0.0.1 80 { weight 1 }
}
)");
    lvs::Reconciler rec(k);
    rec.reconcile(lvs::desired_state(cfg, lvs::AlwaysUp{}));
    k.del_service(vip());  // by hand, before the clean stop
    auto r = rec.remove_owned();
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.deleted, 1u);
    EXPECT_TRUE(r.ok);
}
