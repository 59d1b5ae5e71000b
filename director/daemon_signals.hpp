#pragma once
// What `director run` does with each signal. A master killed by a stray signal would leave its VIP up
// while the backup takes over (both nodes answering for it), so every catchable signal whose default
// action ends the process is either routed to the orderly stop or handled without stopping.
// The synchronous fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT) keep their
// default: they mean a bug, and the core dump is worth more than a handler that cannot recover.
#include <boost/asio/signal_set.hpp>
#include <string>
#include <vector>

namespace director {

enum class SignalAction {
    Stop,          // the orderly stop SIGTERM does: priority-0 advert, VIPs removed, owned IPVS rules removed
    Reload,        // SIGHUP
    DumpStatus,    // SIGUSR1: the status document to the log
    DumpCounters,  // SIGUSR2: the counters to the log
    Ignore,        // logged and counted, nothing else
};

// Every signal the daemon catches, lowest number first, real-time signals included.
std::vector<int> daemon_signals();
SignalAction daemon_signal_action(int signo);
// The kernel's first real-time signals, below SIGRTMIN, belong to the C library's thread code: glibc
// refuses handlers for them, yet their default action ends the process. The daemon is single-threaded,
// so blocking them on its thread keeps a stray `kill -32` pending forever. Children still start with an
// empty mask: glibc's own sigprocmask (fork+exec and posix_spawn alike) never re-blocks them.
void block_reserved_signals();
// For helper threads: every signal blocked, glibc's reserved ones too (pthread_sigmask would leave those
// open, and their default action ends the process). Signals then reach the loop thread only.
void block_all_signals_on_this_thread();
// Adds every daemon signal to `set` (with SA_RESTART, so a signal during a blocking netlink call is no
// spurious EINTR) and blocks the reserved ones: what `director run` and `director care` both do.
void catch_daemon_signals(boost::asio::signal_set& set);
// "SIGHUP", "SIGRTMIN+3"; "signal 99" for a number outside the table.
std::string signal_name(int signo);

}  // namespace director
