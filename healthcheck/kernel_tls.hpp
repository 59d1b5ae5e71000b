#pragma once
// Handing an established TLS connection's record layer to the kernel (kTLS, linux/tls.h): after the
// handshake OpenSSL is no longer needed to encrypt a request or decrypt a response, so a connection kept
// open between health checks need not keep its SSL object (~12-21 KiB each; thousands of servers keep
// thousands of connections), and each check's records are sealed inside the write and read system calls.
//
// The kernel needs each direction's key, IV and record sequence number. OpenSSL 3.0 has no call that hands
// them over, so they are derived here from what it does expose: the TLS 1.3 traffic secrets (its key-log
// callback) or the TLS 1.2 master secret and randoms, and the number of records each side sent since the
// handshake (its message callback sees every record header).
#include <array>
#include <cstddef>
#include <cstdint>
#include <openssl/ssl.h>

namespace healthcheck {

// TLS 1.3 application traffic secrets as the key log reports them (empty until it has).
struct TrafficSecrets {
    std::array<unsigned char, 64> client{}, server{};
    size_t client_len = 0, server_len = 0;
    void wipe();
};

// Records sent and received since the handshake finished.
struct RecordCounts {
    uint64_t sent = 0, received = 0;
};

enum class KernelTls {
    Installed,    // both directions are the kernel's; `ssl` must not read or write the socket again
    Unsupported,  // nothing changed on the socket (no kTLS in this kernel, a cipher or version it lacks, data
                  // buffered inside OpenSSL): OpenSSL carries on
    Broken,       // receive was installed and send was refused: the connection must be closed
};

// Whether this kernel has kTLS. The first ask loads the `tls` module (through modprobe, which can take a
// while, and on the event loop, where the checks are set up): the kernel is asked once per process, and
// the answer kept for every later TlsClient (each reload builds new ones).
bool kernel_tls_available();

// Installs kTLS for both directions of the connection `ssl` negotiated on `fd`, whose handshake is done.
KernelTls install_kernel_tls(int fd, SSL* ssl, const TrafficSecrets& secrets, RecordCounts after_handshake);

// RFC 8446 7.1 HKDF-Expand-Label with an empty context; false when OpenSSL fails. Exposed for its
// known-answer test.
bool hkdf_expand_label(const EVP_MD* md, const unsigned char* secret, size_t secret_len, const char* label,
                       unsigned char* out, size_t out_len);

// The record type TLS_GET_RECORD_TYPE reports for data; other types (alert, handshake) arrive alone.
constexpr unsigned char kTlsApplicationData = 23;
constexpr unsigned char kTlsAlert = 21;
constexpr unsigned char kTlsHandshake = 22;

}  // namespace healthcheck
