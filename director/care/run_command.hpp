#pragma once
// Runs iptables/ipset the way lvscare's go-iptables does: exec the binary, no shell, capture stderr.
#include <string>
#include <vector>

namespace director::care {

struct CommandResult {
    int status = -1;    // exit status, or -1 if it could not be started / was killed
    std::string output;  // stdout + stderr, for error messages
};

CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace director::care
