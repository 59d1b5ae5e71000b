#include "vrrp/receive_rules.hpp"

#include <algorithm>

namespace vrrp {

const char* to_string(DropReason r) {
    switch (r) {
        case DropReason::NotIpv4: return "not_ipv4";
        case DropReason::Ttl: return "ttl";
        case DropReason::TooShort: return "too_short";
        case DropReason::VersionType: return "version_type";
        case DropReason::Length: return "length";
        case DropReason::Checksum: return "checksum";
        case DropReason::UnknownVrid: return "unknown_vrid";
        case DropReason::AuthType: return "auth_type";
        case DropReason::AuthPassword: return "auth_password";
        case DropReason::AdvertInterval: return "advert_interval";
        case DropReason::NotPeer: return "not_peer";
        case DropReason::OwnPacket: return "own_packet";
        case DropReason::Destination: return "destination";
        case DropReason::Count_: break;
    }
    return "?";
}

namespace {

Verdict drop(Verdict v, DropReason r) {
    v.accepted = false;
    v.reason = r;
    return v;
}

DropReason from_decode(DecodeError e) {
    switch (e) {
        case DecodeError::TooShort: return DropReason::TooShort;
        case DecodeError::Version:
        case DecodeError::Type: return DropReason::VersionType;
        case DecodeError::Length: return DropReason::Length;
        case DecodeError::Checksum: return DropReason::Checksum;
    }
    return DropReason::TooShort;
}

uint32_t be32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

}  // namespace

Verdict check_received(std::span<const uint8_t> ip, const ReceiveExpect& ex) {
    Verdict v;
    if (ip.size() < 20 || (ip[0] >> 4) != 4) return drop(v, DropReason::NotIpv4);
    const size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
    const size_t total = static_cast<size_t>(ip[2] << 8 | ip[3]);
    if (ihl < 20 || ip.size() < ihl || ip[9] != kProtocol) return drop(v, DropReason::NotIpv4);
    v.ttl = ip[8];
    v.source = be32(&ip[12]);
    const uint32_t dest = be32(&ip[16]);
    // The kernel hands raw sockets the datagram as received; trust the IP length over the buffer size only
    // when it is shorter (link padding), never when it claims more than we hold.
    const size_t end = (total >= ihl && total <= ip.size()) ? total : ip.size();
    auto payload = ip.subspan(ihl, end - ihl);

    if (v.source == ex.own_address) return drop(v, DropReason::OwnPacket);
    if (!ex.unicast) {
        // The multicast socket also receives adverts sent to this host's own address, from anywhere a
        // route reaches: only the group, with the TTL 255 that proves the sender is on this link
        // (RFC 3768 7.1), is a peer's advert.
        if (dest != kMulticastGroup) return drop(v, DropReason::Destination);
        if (v.ttl != kTtl) return drop(v, DropReason::Ttl);
    }

    Decoded d = decode(payload);
    if (!d.advert) return drop(v, from_decode(d.error));
    v.advert = std::move(*d.advert);
    const Advert& a = v.advert;

    if (a.vrid != ex.vrid) return drop(v, DropReason::UnknownVrid);
    if (ex.unicast && std::find(ex.peers.begin(), ex.peers.end(), v.source) == ex.peers.end())
        return drop(v, DropReason::NotPeer);
    if (ex.unicast) {
        auto limit = std::find_if(ex.peer_ttls.begin(), ex.peer_ttls.end(),
                                  [&](const PeerTtl& p) { return p.address == v.source; });
        if (limit != ex.peer_ttls.end() && (v.ttl < limit->min_ttl || v.ttl > limit->max_ttl))
            return drop(v, DropReason::Ttl);
    }
    if (a.auth_type != ex.auth_type) return drop(v, DropReason::AuthType);
    if (ex.auth_type == AuthType::Pass && !constant_time_equal(a.auth_data, ex.auth_data))
        return drop(v, DropReason::AuthPassword);
    if (a.adver_int != ex.adver_int) return drop(v, DropReason::AdvertInterval);

    // RFC 3768 says drop on an address-list mismatch; keepalived learned (fixed in 2.3.3) that doing so
    // splits the brain while peers are reloaded one after the other. Accept, but let the operator see it.
    std::vector<uint32_t> got = a.addresses, want = ex.addresses;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    v.address_mismatch = got != want;
    v.accepted = true;
    return v;
}

void ReceiveCounters::record(const Verdict& v) {
    if (v.accepted) {
        ++accepted;
        if (v.address_mismatch) ++address_mismatch;
    } else {
        ++dropped[static_cast<size_t>(v.reason)];
    }
}

}  // namespace vrrp
