#include "director/state/state_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "director/staticpod/atomic_file.hpp"

namespace director::state {

namespace {
constexpr int kFormat = 1;

int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::map<std::string, int64_t> read_map(const nlohmann::json& j, const char* key) {
    std::map<std::string, int64_t> out;
    if (!j.contains(key)) return out;
    const auto& m = j.at(key);
    if (!m.is_object()) throw std::runtime_error(std::string("\"") + key + "\" is not an object");
    for (const auto& [name, since] : m.items()) {
        if (!since.is_number_integer())
            throw std::runtime_error(std::string("\"") + key + "\".\"" + name + "\" is not a time in seconds");
        out[name] = since.get<int64_t>();
    }
    return out;
}
}  // namespace

std::string drain_key(const std::string& service, const std::string& backend) {
    return service.empty() ? backend : backend + " in " + service;
}

Persisted parse_state(const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(std::string("not JSON: ") + e.what());
    }
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    if (!j.contains("format") || !j["format"].is_number_integer() || j["format"].get<int>() != kFormat)
        throw std::runtime_error("unknown format (this director writes \"format\": " + std::to_string(kFormat) + ")");
    Persisted p;
    p.maintenance = read_map(j, "maintenance");
    p.drained = read_map(j, "drained");
    return p;
}

std::string serialize_state(const Persisted& p) {
    nlohmann::json j{{"format", kFormat}, {"maintenance", p.maintenance}, {"drained", p.drained}};
    return j.dump(2) + "\n";
}

StateStore::StateStore(std::filesystem::path dir) : dir_(std::move(dir)), file_(dir_ / "state.json") {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw std::runtime_error("state directory " + dir_.string() + ": " + ec.message());
    if (!std::filesystem::is_directory(dir_))
        throw std::runtime_error("state directory " + dir_.string() + " is not a directory");
    std::string lock = (dir_ / "lock").string();
    lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_fd_ < 0) throw std::runtime_error("state directory lock " + lock + ": " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(lock_fd_);
        lock_fd_ = -1;
        throw std::runtime_error("another director uses the state directory " + dir_.string() +
                                 "; give each director on a host its own --state-dir");
    }
    std::ifstream in(file_);
    if (!in) {
        if (std::filesystem::exists(file_, ec))
            load_error_ = file_.string() + ": cannot be read: " + std::strerror(errno);
        return;  // no file yet: nothing decided by hand
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        state_ = parse_state(text.str());
    } catch (const std::exception& e) {
        load_error_ = file_.string() + ": " + e.what();
    }
}

StateStore::~StateStore() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void StateStore::save(const Persisted& next) {
    staticpod::write_file_atomically(file_, serialize_state(next), 0600);
    state_ = next;
    load_error_.clear();  // the file is good again
}

bool StateStore::set_maintenance(const std::string& instance, bool on) {
    if (on == (state_.maintenance.count(instance) > 0) && load_error_.empty()) return false;
    Persisted next = state_;
    if (on) next.maintenance.emplace(instance, now_s());
    else next.maintenance.erase(instance);
    save(next);
    return true;
}

bool StateStore::set_drained(const std::string& key, bool on) {
    if (on == (state_.drained.count(key) > 0) && load_error_.empty()) return false;
    Persisted next = state_;
    if (on) next.drained.emplace(key, now_s());
    else next.drained.erase(key);
    save(next);
    return true;
}

}  // namespace director::state
