#include "vrrp/packet.hpp"

#include <algorithm>

namespace vrrp {

const char* to_string(DecodeError e) {
    switch (e) {
        case DecodeError::TooShort: return "too_short";
        case DecodeError::Version: return "version";
        case DecodeError::Type: return "type";
        case DecodeError::Length: return "length";
        case DecodeError::Checksum: return "checksum";
    }
    return "?";
}

AuthData make_auth_data(const std::string& password) {
    AuthData d{};
    std::copy_n(password.begin(), std::min(password.size(), d.size()), d.begin());
    return d;
}

uint16_t internet_checksum(std::span<const uint8_t> data) {
    uint32_t sum = 0;
    size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

std::vector<uint8_t> encode(const Advert& a) {
    std::vector<uint8_t> out;
    out.reserve(kHeaderSize + 4 * a.addresses.size() + kAuthSize);
    out.push_back(static_cast<uint8_t>(a.version << 4 | (a.type & 0x0f)));
    out.push_back(a.vrid);
    out.push_back(a.priority);
    out.push_back(static_cast<uint8_t>(a.addresses.size()));
    out.push_back(static_cast<uint8_t>(a.auth_type));
    out.push_back(a.adver_int);
    out.push_back(0);
    out.push_back(0);
    for (uint32_t addr : a.addresses)
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(addr >> shift));
    out.insert(out.end(), a.auth_data.begin(), a.auth_data.end());
    uint16_t c = internet_checksum(out);
    out[6] = static_cast<uint8_t>(c >> 8);
    out[7] = static_cast<uint8_t>(c);
    return out;
}

Decoded decode(std::span<const uint8_t> p) {
    Decoded d;
    if (p.size() < kHeaderSize + kAuthSize) {
        d.error = DecodeError::TooShort;
        return d;
    }
    Advert a;
    a.version = p[0] >> 4;
    a.type = p[0] & 0x0f;
    if (a.version != 2) {
        d.error = DecodeError::Version;
        return d;
    }
    if (a.type != 1) {
        d.error = DecodeError::Type;
        return d;
    }
    const size_t count = p[3];
    if (p.size() != kHeaderSize + 4 * count + kAuthSize) {
        d.error = DecodeError::Length;
        return d;
    }
    // A correct checksum makes the sum over the whole message, checksum field included, come out as zero.
    if (internet_checksum(p) != 0) {
        d.error = DecodeError::Checksum;
        return d;
    }
    a.vrid = p[1];
    a.priority = p[2];
    a.auth_type = static_cast<AuthType>(p[4]);
    a.adver_int = p[5];
    a.checksum = static_cast<uint16_t>(p[6] << 8 | p[7]);
    for (size_t i = 0; i < count; ++i) {
        const uint8_t* q = &p[kHeaderSize + 4 * i];
        a.addresses.push_back(static_cast<uint32_t>(q[0]) << 24 | q[1] << 16 | q[2] << 8 | q[3]);
    }
    std::copy_n(&p[kHeaderSize + 4 * count], kAuthSize, a.auth_data.begin());
    d.advert = std::move(a);
    return d;
}

bool constant_time_equal(const AuthData& a, const AuthData& b) {
    uint8_t diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
    // volatile keeps the compiler from turning the loop back into an early-exit compare.
    volatile uint8_t v = diff;
    return v == 0;
}

}  // namespace vrrp
