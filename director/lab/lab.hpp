#pragma once
// `director lab`: a working HA pair on one machine. up builds the namespaces and starts the real
// daemons, status asks them, fail/heal break and mend one node, down removes everything, also what a
// crashed or interrupted run left behind. Each returns the process exit status and prints its own
// report (errors on stderr).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace director::lab {

struct LabOptions {
    std::string name = "default";
    std::filesystem::path root = "/run/director-lab";  // the lab's files go to ROOT/NAME
    std::filesystem::path self;                        // this binary, started inside the namespaces
};

int lab_up(const LabOptions& o, int backends);
int lab_down(const LabOptions& o);
int lab_status(const LabOptions& o, bool json);
int lab_fail(const LabOptions& o, const std::string& node);
int lab_heal(const LabOptions& o, const std::string& node);
// `director drill` from the lab's client against the current master; `extra` are drill flags
// (--rounds, --hold, --json). Replaces this process on success (exec), else returns 1.
int lab_drill(const LabOptions& o, const std::vector<std::string>& extra);

// The status document (`director lab status --json`); throws std::runtime_error when the lab is not up.
nlohmann::json lab_status_json(const LabOptions& o);

}  // namespace director::lab
