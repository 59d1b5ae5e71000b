#pragma once
// The lab's throw-away PKI: one CA and, per backend, a server certificate carrying the backend's own
// address and the VIP as IP SANs, the way an apiserver certificate names every address clients use.
// SSL_GET checks then verify for real (chain and IP) instead of running unverified.
#include <filesystem>
#include <string>
#include <vector>

namespace director::lab {

struct LeafSpec {
    std::string name;                    // file stem and CN
    std::vector<std::string> ip_sans;    // dotted IPv4
};

// Writes ca.crt, ca.key and NAME.crt / NAME.key for each leaf into `dir` (keys mode 0600). P-256 keys,
// valid from an hour ago for `days` days. Throws std::runtime_error naming the step that failed.
void write_pki(const std::filesystem::path& dir, const std::vector<LeafSpec>& leaves, int days = 30);

}  // namespace director::lab
