#pragma once
// VRRPv2 advertisement wire format (RFC 3768 section 5). Pure: bytes in, struct or reason out; struct in,
// bytes out. Addresses are kept in host byte order everywhere above this file.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vrrp {

inline constexpr uint8_t kProtocol = 112;
inline constexpr uint32_t kMulticastGroup = 0xE0000012;  // 224.0.0.18
inline constexpr uint8_t kTtl = 255;
inline constexpr size_t kHeaderSize = 8;
inline constexpr size_t kAuthSize = 8;

enum class AuthType : uint8_t { None = 0, Pass = 1, Ah = 2 };

using AuthData = std::array<uint8_t, kAuthSize>;
// A PASS password as it goes on the wire: up to 8 bytes, zero padded (longer input is cut at 8).
AuthData make_auth_data(const std::string& password);

struct Advert {
    uint8_t version = 2;
    uint8_t type = 1;  // ADVERTISEMENT
    uint8_t vrid = 0;
    uint8_t priority = 0;
    AuthType auth_type = AuthType::None;
    uint8_t adver_int = 1;  // seconds
    uint16_t checksum = 0;  // as read; encode() computes its own
    std::vector<uint32_t> addresses;
    AuthData auth_data{};
};

enum class DecodeError { TooShort, Version, Type, Length, Checksum };
const char* to_string(DecodeError e);

struct Decoded {
    std::optional<Advert> advert;
    DecodeError error = DecodeError::TooShort;  // meaningful only when !advert
};

// RFC 1071 Internet checksum over `data` (the value to put in the field when the field itself was zero).
uint16_t internet_checksum(std::span<const uint8_t> data);

std::vector<uint8_t> encode(const Advert& a);
// `payload` is the VRRP message only (after the IP header).
Decoded decode(std::span<const uint8_t> payload);

// Equal-length constant-time comparison: the time taken does not depend on where the bytes differ.
bool constant_time_equal(const AuthData& a, const AuthData& b);

}  // namespace vrrp
