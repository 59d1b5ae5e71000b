#pragma once
// What an operator decided by hand and a restart must not forget: instances in maintenance, real servers
// drained with `director backend drain`. One JSON file, DIR/state.json, replaced atomically on every
// change; DIR/lock (flock) keeps a second director off the same directory.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace director::state {

struct Persisted {
    // vrrp_instance name -> since (seconds since the epoch)
    std::map<std::string, int64_t> maintenance;
    // drain_key(service, backend) -> since
    std::map<std::string, int64_t> drained;
    bool operator==(const Persisted&) const = default;
};

// "198.18.1.1:6443" drained for every service, or "198.18.1.1:6443 in 198.18.0.100:6443" for one.
std::string drain_key(const std::string& service, const std::string& backend);

// The file format. parse_state throws std::runtime_error saying what is wrong with `text`.
Persisted parse_state(const std::string& text);
std::string serialize_state(const Persisted& p);

class StateStore {
public:
    // Creates `dir` (0700) when missing and locks it; throws std::runtime_error naming the directory when it
    // cannot, or when another director holds the lock. A state file that cannot be read or parsed does not
    // throw: load_error() says why, and the daemon starts every instance in maintenance (it cannot tell
    // which of them an operator took out, and taking a VIP by mistake is the worse error).
    explicit StateStore(std::filesystem::path dir);
    ~StateStore();
    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    const Persisted& get() const { return state_; }
    const std::string& load_error() const { return load_error_; }
    const std::filesystem::path& file() const { return file_; }

    // Each writes the whole file atomically before returning; throws std::runtime_error if it cannot (the
    // in-memory state is then unchanged). Returns false when nothing changed (already so).
    bool set_maintenance(const std::string& instance, bool on);
    bool set_drained(const std::string& key, bool on);

private:
    void save(const Persisted& next);

    std::filesystem::path dir_, file_;
    int lock_fd_ = -1;
    Persisted state_;
    std::string load_error_;
};

}  // namespace director::state
