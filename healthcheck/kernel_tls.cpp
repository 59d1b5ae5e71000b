#include "healthcheck/kernel_tls.hpp"

#include <cerrno>
#include <cstring>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace healthcheck {

void TrafficSecrets::wipe() {
    OPENSSL_cleanse(client.data(), client.size());
    OPENSSL_cleanse(server.data(), server.size());
    client_len = server_len = 0;
}

namespace {

bool derive(const char* kdf_name, OSSL_PARAM* params, unsigned char* out, size_t out_len) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, kdf_name, nullptr);
    if (!kdf) return false;
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!ctx) return false;
    bool ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

// RFC 5246 6.3: the TLS 1.2 key block, client write key, server write key, client IV, server IV for an
// AEAD suite (no MAC keys).
bool tls12_key_block(SSL* ssl, const EVP_MD* md, unsigned char* out, size_t out_len) {
    unsigned char master[SSL_MAX_MASTER_KEY_LENGTH];
    size_t master_len = SSL_SESSION_get_master_key(SSL_get_session(ssl), master, sizeof master);
    unsigned char seed[13 + 2 * SSL3_RANDOM_SIZE];
    std::memcpy(seed, "key expansion", 13);
    if (master_len == 0 || SSL_get_server_random(ssl, seed + 13, SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE ||
        SSL_get_client_random(ssl, seed + 13 + SSL3_RANDOM_SIZE, SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE)
        return false;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, master_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
        OSSL_PARAM_construct_end(),
    };
    bool ok = derive("TLS1-PRF", params, out, out_len);
    OPENSSL_cleanse(master, sizeof master);
    return ok;
}

void put_be64(unsigned char* p, uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v);
}

// One direction's parameters: `key`, the 12-byte nonce base `iv` (TLS 1.3 and ChaCha20) or the 4-byte
// implicit part (TLS 1.2 AES-GCM, whose 8-byte explicit part travels in each record and starts at
// `explicit_nonce`), and the next record's sequence number.
struct Direction {
    const unsigned char* key;
    const unsigned char* iv;
    uint64_t seq;
    uint64_t explicit_nonce;
};

template <class Info>
void fill_gcm(Info& ci, const Direction& d, bool tls13) {
    std::memcpy(ci.key, d.key, sizeof ci.key);
    std::memcpy(ci.salt, d.iv, sizeof ci.salt);
    if (tls13) std::memcpy(ci.iv, d.iv + sizeof ci.salt, sizeof ci.iv);
    else put_be64(ci.iv, d.explicit_nonce);
    put_be64(ci.rec_seq, d.seq);
}

bool set_direction(int fd, int optname, int nid, bool tls13, const Direction& d) {
    uint16_t version = tls13 ? TLS_1_3_VERSION : TLS_1_2_VERSION;
    int rc = -1;
    if (nid == NID_aes_128_gcm) {
        tls12_crypto_info_aes_gcm_128 ci{};
        ci.info = {version, TLS_CIPHER_AES_GCM_128};
        fill_gcm(ci, d, tls13);
        rc = setsockopt(fd, SOL_TLS, optname, &ci, sizeof ci);
        OPENSSL_cleanse(&ci, sizeof ci);
    } else if (nid == NID_aes_256_gcm) {
        tls12_crypto_info_aes_gcm_256 ci{};
        ci.info = {version, TLS_CIPHER_AES_GCM_256};
        fill_gcm(ci, d, tls13);
        rc = setsockopt(fd, SOL_TLS, optname, &ci, sizeof ci);
        OPENSSL_cleanse(&ci, sizeof ci);
    } else {
        tls12_crypto_info_chacha20_poly1305 ci{};
        ci.info = {version, TLS_CIPHER_CHACHA20_POLY1305};
        std::memcpy(ci.key, d.key, sizeof ci.key);
        std::memcpy(ci.iv, d.iv, sizeof ci.iv);
        put_be64(ci.rec_seq, d.seq);
        rc = setsockopt(fd, SOL_TLS, optname, &ci, sizeof ci);
        OPENSSL_cleanse(&ci, sizeof ci);
    }
    return rc == 0;
}

}  // namespace

bool hkdf_expand_label(const EVP_MD* md, const unsigned char* secret, size_t secret_len, const char* label,
                       unsigned char* out, size_t out_len) {
    std::string full = std::string("tls13 ") + label;
    std::vector<unsigned char> info{static_cast<unsigned char>(out_len >> 8), static_cast<unsigned char>(out_len),
                                    static_cast<unsigned char>(full.size())};
    info.insert(info.end(), full.begin(), full.end());
    info.push_back(0);  // the context: empty
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(secret), secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_end(),
    };
    return derive("HKDF", params, out, out_len);
}

namespace {

bool probe_kernel_tls() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    // On a socket that is not connected the ULP is looked up (and its module loaded) before it refuses.
    int rc = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3);
    int err = errno;
    close(fd);
    return rc == 0 || err != ENOENT;
}

}  // namespace

bool kernel_tls_available() {
    static const bool available = probe_kernel_tls();
    return available;
}

KernelTls install_kernel_tls(int fd, SSL* ssl, const TrafficSecrets& secrets, RecordCounts after) {
    // Bytes OpenSSL read but did not hand out yet would be lost to the kernel's record stream.
    if (SSL_has_pending(ssl)) return KernelTls::Unsupported;
    int version = SSL_version(ssl);
    bool tls13 = version == TLS1_3_VERSION;
    if (!tls13 && version != TLS1_2_VERSION) return KernelTls::Unsupported;
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    if (!cipher) return KernelTls::Unsupported;
    int nid = SSL_CIPHER_get_cipher_nid(cipher);
    size_t key_len = nid == NID_aes_128_gcm ? 16 : nid == NID_aes_256_gcm ? 32 : nid == NID_chacha20_poly1305 ? 32 : 0;
    if (key_len == 0) return KernelTls::Unsupported;
    const EVP_MD* md = SSL_CIPHER_get_handshake_digest(cipher);
    if (!md) return KernelTls::Unsupported;

    // client key, server key, client IV, server IV; TLS 1.2 AES-GCM has a 4-byte implicit IV, the rest 12.
    size_t iv_len = (!tls13 && nid != NID_chacha20_poly1305) ? 4 : 12;
    unsigned char block[2 * 32 + 2 * 12];
    unsigned char *ckey = block, *skey = block + key_len, *civ = block + 2 * key_len, *siv = civ + iv_len;
    bool ok;
    if (tls13) {
        size_t n = static_cast<size_t>(EVP_MD_get_size(md));
        ok = secrets.client_len == n && secrets.server_len == n &&
             hkdf_expand_label(md, secrets.client.data(), n, "key", ckey, key_len) &&
             hkdf_expand_label(md, secrets.server.data(), n, "key", skey, key_len) &&
             hkdf_expand_label(md, secrets.client.data(), n, "iv", civ, iv_len) &&
             hkdf_expand_label(md, secrets.server.data(), n, "iv", siv, iv_len);
    } else {
        ok = tls12_key_block(ssl, md, block, 2 * key_len + 2 * iv_len);
    }
    // TLS 1.2: each side's Finished was record 0 under these keys. TLS 1.3: the handshake had keys of its own.
    uint64_t first = tls13 ? 0 : 1;
    // A TLS 1.2 AES-GCM sender picks its explicit nonces, unique per key. OpenSSL started its own at a random
    // value and used as many as records it sent; starting ours at another random value keeps the two apart.
    uint64_t explicit_nonce = 0;
    ok = ok && RAND_bytes(reinterpret_cast<unsigned char*>(&explicit_nonce), sizeof explicit_nonce) == 1;
    KernelTls result = KernelTls::Unsupported;
    if (ok && setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3) == 0) {
        // Receive first: when it is refused the socket still passes bytes through and OpenSSL carries on.
        if (set_direction(fd, TLS_RX, nid, tls13, {skey, siv, first + after.received, 0}))
            result = set_direction(fd, TLS_TX, nid, tls13, {ckey, civ, first + after.sent, explicit_nonce})
                         ? KernelTls::Installed
                         : KernelTls::Broken;
    }
    OPENSSL_cleanse(block, sizeof block);
    return result;
}

}  // namespace healthcheck
