#include "director/daemon_signals.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace director {

namespace {

struct Named {
    int signo;
    const char* name;
    SignalAction action;
};

// SIGQUIT and SIGXCPU stop in order rather than being ignored: SIGQUIT is a request to quit, and after
// SIGXCPU the kernel's SIGKILL at the hard CPU limit would follow, so the VIP is better handed over now.
constexpr Named kNamed[] = {
    {SIGHUP, "SIGHUP", SignalAction::Reload},        {SIGINT, "SIGINT", SignalAction::Stop},
    {SIGQUIT, "SIGQUIT", SignalAction::Stop},        {SIGUSR1, "SIGUSR1", SignalAction::DumpStatus},
    {SIGUSR2, "SIGUSR2", SignalAction::DumpCounters}, {SIGPIPE, "SIGPIPE", SignalAction::Ignore},
    {SIGALRM, "SIGALRM", SignalAction::Ignore},      {SIGTERM, "SIGTERM", SignalAction::Stop},
    {SIGSTKFLT, "SIGSTKFLT", SignalAction::Ignore},  {SIGXCPU, "SIGXCPU", SignalAction::Stop},
    {SIGXFSZ, "SIGXFSZ", SignalAction::Ignore},      {SIGVTALRM, "SIGVTALRM", SignalAction::Ignore},
    {SIGPROF, "SIGPROF", SignalAction::Ignore},      {SIGIO, "SIGIO", SignalAction::Ignore},
    {SIGPWR, "SIGPWR", SignalAction::Ignore},
};

const Named* find(int signo) {
    for (const auto& n : kNamed)
        if (n.signo == signo) return &n;
    return nullptr;
}

bool realtime(int signo) { return signo >= SIGRTMIN && signo <= SIGRTMAX; }

}  // namespace

std::vector<int> daemon_signals() {
    std::vector<int> out;
    // SIGRTMIN is a run-time value: glibc keeps the first kernel real-time signals for its own threads.
    for (int s = 1; s <= SIGRTMAX; ++s)
        if (find(s) || realtime(s)) out.push_back(s);
    return out;
}

void block_reserved_signals() {
    // The kernel's sigset for rt_sigprocmask: one bit per signal, signal n at bit n-1, 64 bits on Linux.
    uint64_t set = 0;
    for (int s = 32; s < SIGRTMIN; ++s) set |= uint64_t{1} << (s - 1);
    if (set) ::syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, nullptr, sizeof set);
}

void block_all_signals_on_this_thread() {
    uint64_t all = ~uint64_t{0};  // the kernel ignores the bits of SIGKILL and SIGSTOP
    ::syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, nullptr, sizeof all);
}

SignalAction daemon_signal_action(int signo) {
    if (const auto* n = find(signo)) return n->action;
    return SignalAction::Ignore;
}

std::string signal_name(int signo) {
    if (const auto* n = find(signo)) return n->name;
    if (realtime(signo)) return signo == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
    return "signal " + std::to_string(signo);
}

namespace {

// Asio installs its handlers without SA_RESTART.
void restart_interrupted_calls(int signo) {
    struct sigaction sa {};
    if (::sigaction(signo, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
        sa.sa_flags |= SA_RESTART;
        ::sigaction(signo, &sa, nullptr);
    }
}

}  // namespace

void catch_daemon_signals(boost::asio::signal_set& set) {
    for (int s : daemon_signals()) {
        set.add(s);
        restart_interrupted_calls(s);
    }
    block_reserved_signals();
}

}  // namespace director
