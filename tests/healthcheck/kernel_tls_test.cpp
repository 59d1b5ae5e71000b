// The key schedule step that turns a TLS 1.3 traffic secret into the key and IV the kernel is given.
// (Whether the kernel then carries a connection is shown against nginx in the VM: kernel_tls_cases.py.)
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <string>
#include <vector>

#include "healthcheck/kernel_tls.hpp"
#include "healthcheck/tls_client.hpp"

namespace {

std::vector<unsigned char> hex(std::string s) {
    std::vector<unsigned char> out;
    std::string digits;
    for (char c : s)
        if (c != ' ') digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2) out.push_back(static_cast<unsigned char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return out;
}

std::vector<unsigned char> expand(const std::vector<unsigned char>& secret, const char* label, size_t n) {
    std::vector<unsigned char> out(n);
    EXPECT_TRUE(healthcheck::hkdf_expand_label(EVP_sha256(), secret.data(), secret.size(), label, out.data(), n));
    return out;
}

}  // namespace

// RFC 8448 section 3 (a simple 1-RTT handshake, TLS_AES_128_GCM_SHA256): both application traffic secrets
// and the write keys and IVs the RFC derives from them.
TEST(KernelTls, ExpandLabelGivesRfc8448ApplicationKeysAndIvs) {
    auto server = hex("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43");
    auto client = hex("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5");
    EXPECT_EQ(expand(server, "key", 16), hex("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56"));
    EXPECT_EQ(expand(server, "iv", 12), hex("cf 78 2b 88 dd 83 54 9a ad f1 e9 84"));
    EXPECT_EQ(expand(client, "key", 16), hex("17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51"));
    EXPECT_EQ(expand(client, "iv", 12), hex("5b 78 92 3d ee 08 57 90 33 e5 23 d9"));
}

TEST(KernelTls, WipedSecretsAreGoneAndEmpty) {
    healthcheck::TrafficSecrets s;
    s.client.fill(0xab);
    s.server.fill(0xcd);
    s.client_len = s.server_len = 32;
    s.wipe();
    EXPECT_EQ(s.client_len, 0u);
    EXPECT_EQ(s.server_len, 0u);
    for (auto b : s.client) EXPECT_EQ(b, 0);
    for (auto b : s.server) EXPECT_EQ(b, 0);
}

// The stored TLS session loses only the server certificate field, [3]; what cannot be parsed is refused.
TEST(TlsSessionCache, TheServerCertificateFieldIsDroppedAndTheRestKept) {
    using V = std::vector<unsigned char>;
    // SEQUENCE { INTEGER 1, [3] { 4 bytes }, [5] { INTEGER 0 } }
    V der{0x30, 0x0e, 0x02, 0x01, 0x01, 0xa3, 0x04, 0xde, 0xad, 0xbe, 0xef, 0xa5, 0x03, 0x02, 0x01, 0x00};
    EXPECT_EQ(healthcheck::session_without_peer_certificate(der),
              (V{0x30, 0x08, 0x02, 0x01, 0x01, 0xa5, 0x03, 0x02, 0x01, 0x00}));
    // A long-form length (a certificate of 300 bytes) is read and the outer length re-encoded.
    V big{0x30, 0x82, 0x01, 0x33, 0x02, 0x01, 0x01, 0xa3, 0x82, 0x01, 0x2c};
    big.resize(big.size() + 300, 0x55);
    EXPECT_EQ(healthcheck::session_without_peer_certificate(big), (V{0x30, 0x03, 0x02, 0x01, 0x01}));
    EXPECT_TRUE(healthcheck::session_without_peer_certificate(V{0x31, 0x00}).empty()) << "not a SEQUENCE";
    EXPECT_TRUE(healthcheck::session_without_peer_certificate(V{0x30, 0x05, 0x02, 0x01}).empty()) << "truncated";
    EXPECT_TRUE(healthcheck::session_without_peer_certificate(V{0x30, 0x03, 0x02, 0x05, 0x01}).empty())
        << "a field longer than what is left";
}
