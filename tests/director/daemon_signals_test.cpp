// Which signals the daemon catches and what each does: no catchable signal whose default action ends a
// process may be left at its default.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include "director/daemon_signals.hpp"

using namespace director;

TEST(DaemonSignals, EveryCatchableTerminatingSignalIsCaught) {
    auto caught = daemon_signals();
    std::vector<int> terminating = {SIGHUP,  SIGINT,  SIGQUIT,   SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
                                    SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR};
    for (int s = SIGRTMIN; s <= SIGRTMAX; ++s) terminating.push_back(s);
    for (int s : terminating)
        EXPECT_NE(std::find(caught.begin(), caught.end(), s), caught.end()) << signal_name(s) << " is not caught";
}

TEST(DaemonSignals, FaultSignalsKeepTheirDefault) {
    auto caught = daemon_signals();
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP, SIGCHLD})
        EXPECT_EQ(std::find(caught.begin(), caught.end(), s), caught.end()) << signal_name(s);
}

TEST(DaemonSignals, ActionsAreTheDocumentedOnes) {
    for (int s : {SIGTERM, SIGINT, SIGQUIT, SIGXCPU}) EXPECT_EQ(daemon_signal_action(s), SignalAction::Stop);
    EXPECT_EQ(daemon_signal_action(SIGHUP), SignalAction::Reload);
    EXPECT_EQ(daemon_signal_action(SIGUSR1), SignalAction::DumpStatus);
    EXPECT_EQ(daemon_signal_action(SIGUSR2), SignalAction::DumpCounters);
    for (int s : {SIGPIPE, SIGALRM, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT, SIGRTMIN, SIGRTMAX})
        EXPECT_EQ(daemon_signal_action(s), SignalAction::Ignore) << signal_name(s);
}

TEST(DaemonSignals, NamesReadLikeKill) {
    EXPECT_EQ(signal_name(SIGHUP), "SIGHUP");
    EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
    EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
}
