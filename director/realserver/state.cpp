#include "director/realserver/state.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "director/staticpod/atomic_file.hpp"

namespace director::realserver {

namespace {
constexpr const char* kPrefix = "realserver-";
constexpr const char* kSuffix = ".json";
}  // namespace

std::filesystem::path StateStore::path_for(const std::string& vip) const {
    return dir_ / (kPrefix + vip + kSuffix);
}

std::optional<State> StateStore::load_file(const std::filesystem::path& file) const {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    try {
        auto j = nlohmann::json::parse(text.str());
        State s;
        s.vip = j.at("vip").get<std::string>();
        s.dev = j.at("dev").get<std::string>();
        for (const auto& e : j.at("saved")) {
            s.saved.push_back({{e.at("dev").get<std::string>(), e.at("name").get<std::string>()},
                               e.at("value").get<std::string>()});
        }
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(file.string() + ": malformed realserver state: " + e.what());
    }
}

std::optional<State> StateStore::load(const std::string& vip) const { return load_file(path_for(vip)); }

void StateStore::save(const State& state) const {
    nlohmann::json j;
    j["vip"] = state.vip;
    j["dev"] = state.dev;
    j["saved"] = nlohmann::json::array();
    for (const auto& s : state.saved) {
        j["saved"].push_back({{"sysctl", s.key.str()}, {"dev", s.key.dev}, {"name", s.key.name}, {"value", s.value}});
    }
    staticpod::write_file_atomically(path_for(state.vip), j.dump(2) + "\n", 0644);
}

void StateStore::remove(const std::string& vip) const {
    std::error_code ec;
    std::filesystem::remove(path_for(vip), ec);
    if (ec) throw std::runtime_error("cannot remove " + path_for(vip).string() + ": " + ec.message());
}

std::vector<State> StateStore::others(const std::string& vip) const {
    std::vector<State> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        auto name = entry.path().filename().string();
        if (name.rfind(kPrefix, 0) != 0 || !name.ends_with(kSuffix) || entry.path() == path_for(vip)) continue;
        if (auto s = load_file(entry.path())) out.push_back(std::move(*s));
    }
    return out;
}

}  // namespace director::realserver
