#pragma once
// A real server of an LVS-DR setup (what the usual realserver.sh does): the VIP on a local device (lo) so the
// node accepts packets addressed to it, with ARP replies and announcements for it suppressed so only
// the director answers ARP for the VIP on the wire.
#include <filesystem>
#include <string>
#include <vector>

#include "director/realserver/state.hpp"
#include "director/realserver/sysctl.hpp"

namespace director::realserver {

struct Options {
    std::string vip;
    std::string dev = "lo";
    std::filesystem::path state_dir = "/run/director";
    std::filesystem::path proc_sys = "/proc/sys";
};

struct SysctlStatus {
    ConfKey key;
    std::string value;  // "" when unreadable
    std::string wanted;
};

struct Status {
    bool address_present = false;
    std::vector<SysctlStatus> sysctls;
    bool state_saved = false;
    std::filesystem::path state_file;
    bool up() const;
};

class RealServer {
public:
    // Throws std::invalid_argument naming the flag for a bad --vip or --dev.
    explicit RealServer(Options opts);
    // Each returns one line per change made (empty when there was nothing to do) and throws
    // std::runtime_error on failure; a failed `up` puts back what it had changed.
    std::vector<std::string> up();
    std::vector<std::string> down();
    Status status() const;

    // The sysctls `up` sets and the values it sets them to, "all" first.
    std::vector<std::pair<ConfKey, std::string>> wanted() const;

private:
    void restore(const std::vector<SavedValue>& saved, std::vector<std::string>& changes) const;
    Options opts_;
    Sysctl sysctl_;
    StateStore store_;
};

}  // namespace director::realserver
