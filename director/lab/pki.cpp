#include "director/lab/pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>

namespace director::lab {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(FILE* f) const { std::fclose(f); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("lab pki: " + what + " failed");
}

Key new_key() {
    Key k(EVP_EC_gen("P-256"));
    check(k != nullptr, "generating a P-256 key");
    return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "building extension " + value);
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(ok == 1, "adding extension " + value);
}

Cert new_cert(const std::string& cn, EVP_PKEY* key, long serial, int days) {
    Cert c(X509_new());
    check(c != nullptr, "X509_new");
    X509_set_version(c.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
    // An hour back so a peer whose clock is slightly behind still accepts it.
    X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c.get()), 86400L * days);
    X509_set_pubkey(c.get(), key);
    X509_NAME* name = X509_get_subject_name(c.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    return c;
}

void write_file(const std::filesystem::path& p, mode_t mode, const std::function<int(FILE*)>& body) {
    std::unique_ptr<FILE, Free> f(std::fopen(p.c_str(), "w"));
    check(f != nullptr, "opening " + p.string());
    check(fchmod(fileno(f.get()), mode) == 0, "chmod " + p.string());
    check(body(f.get()) == 1, "writing " + p.string());
}

void write_pair(const std::filesystem::path& dir, const std::string& stem, EVP_PKEY* key, X509* cert) {
    write_file(dir / (stem + ".key"), 0600,
               [&](FILE* f) { return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr); });
    write_file(dir / (stem + ".crt"), 0644, [&](FILE* f) { return PEM_write_X509(f, cert); });
}

}  // namespace

void write_pki(const std::filesystem::path& dir, const std::vector<LeafSpec>& leaves, int days) {
    std::filesystem::create_directories(dir);
    Key ca_key = new_key();
    Cert ca = new_cert("director lab CA", ca_key.get(), 1, days);
    X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
    add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing the CA");
    write_pair(dir, "ca", ca_key.get(), ca.get());

    long serial = 2;
    for (const auto& l : leaves) {
        Key key = new_key();
        Cert c = new_cert(l.name, key.get(), serial++, days);
        X509_set_issuer_name(c.get(), X509_get_subject_name(ca.get()));
        std::string sans;
        for (const auto& ip : l.ip_sans) sans += (sans.empty() ? "IP:" : ",IP:") + ip;
        add_ext(c.get(), ca.get(), NID_basic_constraints, "CA:FALSE");
        add_ext(c.get(), ca.get(), NID_ext_key_usage, "serverAuth");
        add_ext(c.get(), ca.get(), NID_authority_key_identifier, "keyid");
        if (!sans.empty()) add_ext(c.get(), ca.get(), NID_subject_alt_name, sans);
        check(X509_sign(c.get(), ca_key.get(), EVP_sha256()) > 0, "signing " + l.name);
        write_pair(dir, l.name, key.get(), c.get());
    }
}

}  // namespace director::lab
