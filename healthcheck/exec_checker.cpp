#include "healthcheck/exec_checker.hpp"

namespace healthcheck {

namespace {

// keepalived's misc_dynamic: exit 2..255 is up with weight code - 2.
CheckResult interpret_exit(const host::ProcessResult& r, bool dynamic) {
    CheckResult c;
    c.reason = r.describe();
    if (r.outcome != host::ProcessResult::Exited) return c;
    if (r.code == 0) {
        c.ok = true;
    } else if (dynamic && r.code >= 2) {
        c.ok = true;
        c.weight = r.code - 2;
        c.reason += " (weight " + std::to_string(r.code - 2) + ")";
    }
    return c;
}

}  // namespace

ExecChecker::ExecChecker(boost::asio::io_context& io, Policy p, ExecTarget t) : Checker(io, p), target_(std::move(t)) {}

std::string ExecChecker::describe() const {
    std::string s = "MISC_CHECK";
    for (auto& a : target_.argv) s += " " + a;
    return s;
}

void ExecChecker::exchange(Done done) {
    set_phase("script");
    host::ProcessSpec spec{target_.argv, policy().timeout, target_.user, target_.group, target_.secure};
    bool dynamic = target_.dynamic;
    host::run_process(io_, std::move(spec), [done, dynamic](const host::ProcessResult& r) { done(interpret_exit(r, dynamic)); });
}

}  // namespace healthcheck
