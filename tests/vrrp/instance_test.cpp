// vrrp::Instance against a fake system (tests/vrrp/fake_instance_io.hpp): what it sends, adds and removes as
// the state machine's actions come out, in simulated time.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/vrrp/fake_instance_io.hpp"
#include "tests/vrrp/ipv4_packet.hpp"
#include "vrrp/instance.hpp"

using namespace vrrp;
using namespace std::chrono_literals;
using Log = std::vector<std::string>;

namespace {

constexpr uint32_t kSelf = 0xC6120005;  // 198.18.0.5
constexpr uint32_t kPeer = 0xC6120009;  // 198.18.0.9
constexpr uint32_t kVipA = 0x0A786464;  // 10.120.100.100
constexpr uint32_t kVipB = 0x0A786465;  // 10.120.100.101
constexpr uint32_t kVipC = 0x0A786466;  // 10.120.100.102
constexpr int kVrid = 51;
const char* const kPassword = "secret";

VipSpec vip(uint32_t address) {
    VipSpec v;
    v.address = address;
    v.dev = "eth0";
    return v;
}

InstanceConfig config() {
    InstanceConfig c;
    c.machine.name = "VI_1";
    c.machine.priority = 100;
    c.machine.adver_int_s = 1;
    c.machine.garp_master_repeat = 5;
    c.machine.garp_master_delay = Duration{0};  // one burst: the logs below stay short
    c.interface = "eth0";
    c.vrid = kVrid;
    c.auth_type = AuthType::Pass;
    c.auth_pass = kPassword;
    c.vips = {vip(kVipA), vip(kVipB)};
    return c;
}

Advert advert_from_peer(int priority) {
    Advert a;
    a.vrid = kVrid;
    a.priority = static_cast<uint8_t>(priority);
    a.auth_type = AuthType::Pass;
    a.auth_data = make_auth_data(kPassword);
    a.adver_int = 1;
    a.addresses = {kVipA, kVipB};
    return a;
}

std::vector<uint8_t> as_received(const Advert& a, uint8_t ttl = 255) {
    return vrrp_test::ipv4_packet(encode(a), ttl, kPeer);
}

std::vector<uint32_t> addresses(const std::vector<VipSpec>& vips) {
    std::vector<uint32_t> out;
    for (const auto& v : vips) out.push_back(v.address);
    return out;
}

class VrrpInstance : public ::testing::Test {
protected:
    // Started as BACKUP with an empty log (start() first removes what a killed run may have left).
    void start(InstanceConfig c = config()) {
        auto fake = std::make_unique<vrrp_test::FakeInstanceIo>();
        fake->address = kSelf;
        os = fake.get();
        instance = std::make_unique<Instance>(io, std::move(c), std::move(fake));
        instance->start();
        ASSERT_EQ(state(), State::Backup);
        os->log.clear();
    }
    void start_master(InstanceConfig c = config()) {
        start(std::move(c));
        os->advance(instance->machine().master_down_interval());
        ASSERT_EQ(state(), State::Master);
        os->log.clear();
    }
    State state() const { return instance->machine().state(); }

    boost::asio::io_context io;  // notify scripts only; none is configured here
    vrrp_test::FakeInstanceIo* os = nullptr;  // owned by the instance
    std::unique_ptr<Instance> instance;
};

}  // namespace

TEST_F(VrrpInstance, LoneInstanceBecomesMasterAfterMasterDownIntervalWithVipsAndGarpBeforeItsFirstAdvert) {
    start();
    const Duration down = instance->machine().master_down_interval();
    EXPECT_EQ(down, 3s + Duration(156 * 1000000 / 256));  // 3 * Advertisement_Interval + Skew_Time
    os->advance(down - 1ms);
    EXPECT_EQ(state(), State::Backup);
    EXPECT_EQ(os->log, Log{});

    os->advance(1ms);
    EXPECT_EQ(state(), State::Master);
    EXPECT_EQ(os->log, (Log{"add 10.120.100.100", "add 10.120.100.101", "garp 10.120.100.100 x5",
                            "garp 10.120.100.101 x5", "advert 100"}));
    ASSERT_EQ(os->adverts.size(), 1u);
    const Advert& sent = os->adverts[0];
    EXPECT_EQ(sent.vrid, kVrid);
    EXPECT_EQ(sent.auth_type, AuthType::Pass);
    EXPECT_EQ(sent.auth_data, make_auth_data(kPassword));
    EXPECT_EQ(sent.addresses, (std::vector<uint32_t>{kVipA, kVipB}));
    EXPECT_EQ(addresses(instance->vips_held()), (std::vector<uint32_t>{kVipA, kVipB}));
    EXPECT_EQ(instance->garps_sent(), 10u);

    // Then one advert per Advertisement_Interval, and nothing else.
    os->log.clear();
    os->advance(3s);
    EXPECT_EQ(os->log, (Log{"advert 100", "advert 100", "advert 100"}));
    EXPECT_EQ(instance->adverts_sent(), 4u);
}

TEST_F(VrrpInstance, HigherPriorityAdvertMakesMasterBackupAndRemovesItsVips) {
    start_master();
    os->deliver(as_received(advert_from_peer(150)));
    EXPECT_EQ(state(), State::Backup);
    EXPECT_EQ(os->log, (Log{"cancel garp", "remove 10.120.100.100", "remove 10.120.100.101"}));
    EXPECT_TRUE(instance->vips_held().empty());
    EXPECT_EQ(instance->counters().accepted, 1u);
    EXPECT_EQ(instance->machine().master_address(), kPeer);

    // While the peer keeps advertising, this one stays BACKUP and quiet.
    os->log.clear();
    for (int i = 0; i < 5; ++i) {
        os->advance(1s);
        os->deliver(as_received(advert_from_peer(150)));
    }
    EXPECT_EQ(state(), State::Backup);
    EXPECT_EQ(os->log, Log{});
}

TEST_F(VrrpInstance, BadAdvertsAreCountedAsDroppedAndChangeNothing) {
    start_master();
    Advert other_vrid = advert_from_peer(200);
    other_vrid.vrid = kVrid + 1;
    Advert wrong_password = advert_from_peer(200);
    wrong_password.auth_data = make_auth_data("guess");
    os->deliver(as_received(other_vrid));
    os->deliver(as_received(wrong_password));
    os->deliver(as_received(advert_from_peer(200), 64));  // routed from off-link: TTL not 255

    const auto& dropped = instance->counters().dropped;
    EXPECT_EQ(dropped[static_cast<size_t>(DropReason::UnknownVrid)], 1u);
    EXPECT_EQ(dropped[static_cast<size_t>(DropReason::AuthPassword)], 1u);
    EXPECT_EQ(dropped[static_cast<size_t>(DropReason::Ttl)], 1u);
    EXPECT_EQ(instance->counters().accepted, 0u);
    EXPECT_EQ(state(), State::Master);
    EXPECT_EQ(os->log, Log{});
    EXPECT_EQ(addresses(instance->vips_held()), (std::vector<uint32_t>{kVipA, kVipB}));
}

TEST_F(VrrpInstance, StopOfMasterSendsPriorityZeroAdvertAndRemovesVips) {
    start_master();
    bool done = false;
    instance->stop([&] { done = true; });
    EXPECT_TRUE(done);
    EXPECT_EQ(state(), State::Stopped);
    EXPECT_EQ(os->log, (Log{"advert 0", "cancel garp", "remove 10.120.100.100", "remove 10.120.100.101"}));
    EXPECT_EQ(instance->priority_zero_sent(), 1u);
    EXPECT_TRUE(instance->vips_held().empty());
    EXPECT_FALSE(os->socket_open);

    // Nothing runs afterwards.
    os->log.clear();
    os->advance(10s);
    EXPECT_EQ(os->log, Log{});
}

TEST_F(VrrpInstance, UpdateOnMasterAddsOnlyNewVipsWithTheirGarpAndRemovesOnlyDroppedOnes) {
    start_master();
    InstanceConfig next = config();
    next.vips = {vip(kVipB), vip(kVipC)};
    instance->update(next);
    EXPECT_EQ(state(), State::Master);
    EXPECT_EQ(os->log, (Log{"remove 10.120.100.100", "add 10.120.100.102", "garp 10.120.100.102 x5"}));
    EXPECT_EQ(addresses(instance->vips_held()), (std::vector<uint32_t>{kVipB, kVipC}));

    // The adverts now list the new set.
    os->adverts.clear();
    os->advance(1s);
    ASSERT_EQ(os->adverts.size(), 1u);
    EXPECT_EQ(os->adverts[0].addresses, (std::vector<uint32_t>{kVipB, kVipC}));
}

TEST_F(VrrpInstance, VipAddFailureIsReportedAndTheInstanceCarriesOn) {
    start();
    os->add_fails[kVipA] = "Operation not permitted";
    os->advance(instance->machine().master_down_interval());
    EXPECT_EQ(state(), State::Master);
    EXPECT_EQ(instance->last_error(), "adding 10.120.100.100/32 dev eth0: Operation not permitted");
    EXPECT_EQ(addresses(instance->vips_held()), (std::vector<uint32_t>{kVipB}));
    EXPECT_NE(std::find(os->log.begin(), os->log.end(), "add 10.120.100.101"), os->log.end());

    // Still master and advertising.
    os->log.clear();
    os->advance(1s);
    EXPECT_EQ(os->log, Log{"advert 100"});
}

TEST_F(VrrpInstance, MaintenanceOnMasterHandsOverWithPriorityZeroAdvertAndRemovesVips) {
    start_master();
    instance->set_maintenance(true, "operator");
    EXPECT_TRUE(instance->maintenance());
    EXPECT_EQ(state(), State::Backup);
    EXPECT_EQ(os->log, (Log{"advert 0", "cancel garp", "remove 10.120.100.100", "remove 10.120.100.101"}));
    EXPECT_EQ(instance->priority_zero_sent(), 1u);
    EXPECT_TRUE(instance->vips_held().empty());

    // Alone on the link, it still does not take the VIPs back.
    os->log.clear();
    os->advance(3 * instance->machine().master_down_interval());
    EXPECT_EQ(state(), State::Backup);
    EXPECT_EQ(os->log, Log{});
}

TEST_F(VrrpInstance, InterfaceGoingDownMovesMasterToFaultWithPriorityZeroAdvertAndRemovesVipsUntilItIsBack) {
    start_master();
    os->link_up = false;
    os->advance(500ms);  // the next poll of the interfaces
    EXPECT_EQ(state(), State::Fault);
    EXPECT_EQ(os->log, (Log{"advert 0", "cancel garp", "remove 10.120.100.100", "remove 10.120.100.101"}));
    EXPECT_TRUE(instance->vips_held().empty());

    os->log.clear();
    os->link_up = true;
    os->advance(500ms);
    EXPECT_EQ(state(), State::Backup);
    os->advance(instance->machine().master_down_interval());
    EXPECT_EQ(state(), State::Master);
    EXPECT_EQ(addresses(instance->vips_held()), (std::vector<uint32_t>{kVipA, kVipB}));
}
