#pragma once
// What `realserver up` changed, kept in STATE_DIR/realserver-<vip>.json so `down` (a later process,
// maybe after a reboot of the daemon but not of the node: /run is tmpfs) can put the sysctls back.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "director/realserver/sysctl.hpp"

namespace director::realserver {

struct SavedValue {
    ConfKey key;
    std::string value;  // the value before the first `up` touched it
};

struct State {
    std::string vip;
    std::string dev;
    std::vector<SavedValue> saved;
};

class StateStore {
public:
    explicit StateStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
    std::filesystem::path path_for(const std::string& vip) const;
    // nullopt when absent; throws std::runtime_error naming the file when unreadable or malformed.
    std::optional<State> load(const std::string& vip) const;
    void save(const State& state) const;
    void remove(const std::string& vip) const;
    // States of every other VIP set up through this directory (they may share the "all" keys).
    std::vector<State> others(const std::string& vip) const;

private:
    std::optional<State> load_file(const std::filesystem::path& file) const;
    std::filesystem::path dir_;
};

}  // namespace director::realserver
