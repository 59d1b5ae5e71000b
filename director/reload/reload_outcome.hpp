#pragma once
// The result of one reload, as `director reload` prints it and `director status` shows the last one.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace director::reload {

struct ReloadOutcome {
    bool ok = false;                    // false: the file was rejected and nothing changed
    std::vector<std::string> errors;    // "file:line: message", every one
    std::vector<std::string> warnings;
    std::vector<std::string> changes;   // ConfigDiff::describe(); empty for "nothing changed"
    std::chrono::system_clock::time_point at;
    std::chrono::microseconds took{0};  // request to applied, parse included
    uint64_t number = 0;                // counts the reloads of this daemon, from 1

    nlohmann::json to_json() const {
        return {{"ok", ok},
                {"number", number},
                {"at", std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()},
                {"took_ms", took.count() / 1000.0},
                {"errors", errors},
                {"warnings", warnings},
                {"changes", changes}};
    }
};

}  // namespace director::reload
