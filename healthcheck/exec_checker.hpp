#pragma once
// MISC_CHECK and vrrp_script: the check is a program. Exit 0 passes, anything else fails; with
// `dynamic` (misc_dynamic) exit 1 fails and 2..255 pass asking for weight exit-2. The program runs
// without a shell, optionally as another user, and its whole process group dies at the timeout.
#include <optional>
#include <string>
#include <vector>

#include "healthcheck/checker.hpp"
#include "host/process.hpp"

namespace healthcheck {

struct ExecTarget {
    std::vector<std::string> argv;
    std::optional<std::string> user, group;
    bool dynamic = false;
    bool secure = false;  // enable_script_security, checked at every run
};

class ExecChecker final : public Checker {
public:
    ExecChecker(boost::asio::io_context& io, Policy p, ExecTarget t);
    std::string describe() const override;

protected:
    void exchange(Done done) override;
    // The runner kills the group at policy().timeout; the base waits a little longer so the runner's
    // more precise "timed out" result is the one reported.
    Millis deadline() const override { return policy().timeout + Millis(2000); }

private:
    ExecTarget target_;
};

}  // namespace healthcheck
