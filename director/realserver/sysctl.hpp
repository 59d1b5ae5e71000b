#pragma once
// The per-interface IPv4 ARP sysctls a DR real server needs. They live under /proc/sys and are per
// network namespace, so whatever namespace the process runs in is the one changed.
#include <filesystem>
#include <optional>
#include <string>

namespace director::realserver {

struct ConfKey {
    std::string dev;   // "all" or an interface name (which may contain dots, hence no dotted path)
    std::string name;  // "arp_ignore", "arp_announce"
    std::string str() const { return "net.ipv4.conf." + dev + "." + name; }
    bool operator==(const ConfKey&) const = default;
};

class Sysctl {
public:
    explicit Sysctl(std::filesystem::path root = "/proc/sys") : root_(std::move(root)) {}
    bool has_dev(const std::string& dev) const;
    // Trimmed value, or nullopt when the key does not exist.
    std::optional<std::string> read(const ConfKey& key) const;
    // Throws std::runtime_error naming the key on failure.
    void write(const ConfKey& key, const std::string& value) const;

private:
    std::filesystem::path path(const ConfKey& key) const;
    std::filesystem::path root_;
};

}  // namespace director::realserver
