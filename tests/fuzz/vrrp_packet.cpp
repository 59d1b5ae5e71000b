// VRRP packet decoder and receive rules: any bytes as the raw socket would deliver them (IPv4 header
// first). Besides not crashing, what is accepted must be what the rules promise, and a decoded advert
// must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "vrrp/packet.hpp"
#include "vrrp/receive_rules.hpp"

namespace {

// The two configurations the seeds come from (tests/fuzz/capture_vrrp_seeds.py).
vrrp::ReceiveExpect multicast_expect() {
    vrrp::ReceiveExpect e;
    e.vrid = 51;
    e.addresses = {0xC6120064};
    e.own_address = 0xC6120002;
    return e;
}

vrrp::ReceiveExpect unicast_expect() {
    vrrp::ReceiveExpect e;
    e.vrid = 200;
    e.auth_type = vrrp::AuthType::Pass;
    e.auth_data = vrrp::make_auth_data("secret12");
    e.addresses = {0xC6120064};
    e.own_address = 0xC6120002;
    e.unicast = true;
    e.peers = {0xC6120001};
    return e;
}

void check_verdict(std::span<const uint8_t> ip, const vrrp::ReceiveExpect& e) {
    vrrp::Verdict v = vrrp::check_received(ip, e);
    vrrp::ReceiveCounters counters;
    counters.record(v);
    if (!v.accepted) {
        if (static_cast<size_t>(v.reason) >= vrrp::kDropReasons) std::abort();
        return;
    }
    const vrrp::Advert& a = v.advert;
    if (a.vrid != e.vrid || a.auth_type != e.auth_type || a.adver_int != e.adver_int) std::abort();
    if (e.unicast && v.source != e.peers[0]) std::abort();
    if (v.source == e.own_address) std::abort();
}

void check_round_trip(std::span<const uint8_t> payload) {
    vrrp::Decoded d = vrrp::decode(payload);
    if (!d.advert) return;
    vrrp::Decoded again = vrrp::decode(vrrp::encode(*d.advert));
    if (!again.advert) std::abort();
    const vrrp::Advert &x = *d.advert, &y = *again.advert;
    if (x.vrid != y.vrid || x.priority != y.priority || x.auth_type != y.auth_type || x.adver_int != y.adver_int ||
        x.addresses != y.addresses || x.auth_data != y.auth_data)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> bytes(data, size);
    static const vrrp::ReceiveExpect multicast = multicast_expect(), unicast = unicast_expect();
    check_verdict(bytes, multicast);
    check_verdict(bytes, unicast);
    // The decoder on its own, both on the whole input and on the payload after a 20-byte IPv4 header.
    check_round_trip(bytes);
    if (size > 20) check_round_trip(bytes.subspan(20));
    return 0;
}
