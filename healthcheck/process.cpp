#include "healthcheck/process.hpp"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <memory>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace healthcheck {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string ProcessResult::describe() const {
    switch (outcome) {
        case Exited: return "exit " + std::to_string(code);
        case Signalled: return "killed by signal " + std::to_string(code);
        case TimedOut: return "timed out after " + std::to_string(elapsed.count()) + " ms";
        case SpawnFailed: return "could not run: " + error;
    }
    return "?";
}

namespace {

struct Identity {
    bool change = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

std::optional<std::string> resolve_identity(const ProcessSpec& spec, Identity& id) {
    if (!spec.user && !spec.group) return std::nullopt;
    id.change = true;
    id.uid = geteuid();
    id.gid = getegid();
    std::vector<char> buf(16384);
    if (spec.user) {
        passwd pw{}, *res = nullptr;
        if (getpwnam_r(spec.user->c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res)
            return "unknown user '" + *spec.user + "'";
        id.uid = pw.pw_uid;
        id.gid = pw.pw_gid;
    }
    if (spec.group) {
        group gr{}, *res = nullptr;
        if (getgrnam_r(spec.group->c_str(), &gr, buf.data(), buf.size(), &res) != 0 || !res)
            return "unknown group '" + *spec.group + "'";
        id.gid = gr.gr_gid;
    }
    return std::nullopt;
}

// PATH lookup happens before fork so the child only calls async-signal-safe functions.
std::optional<std::string> resolve_program(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) return name;
    const char* path = getenv("PATH");
    std::string p = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    size_t start = 0;
    while (start <= p.size()) {
        size_t end = p.find(':', start);
        if (end == std::string::npos) end = p.size();
        std::string dir = p.substr(start, end - start);
        std::string cand = (dir.empty() ? "." : dir) + "/" + name;
        if (access(cand.c_str(), X_OK) == 0) return cand;
        start = end + 1;
    }
    return std::nullopt;
}

// One running child. Shared by the pidfd wait and the timeout timer; whichever ends it reports.
struct Child : std::enable_shared_from_this<Child> {
    Child(asio::io_context& io) : fd(io), timer(io) {}
    asio::posix::stream_descriptor fd;
    asio::steady_timer timer;
    pid_t pid = -1;
    int errpipe = -1;  // read end; the child writes errno here when exec fails
    bool timed_out = false;
    bool finished = false;
    Clock::time_point started;
    ProcessCallback done;

    ~Child() {
        if (errpipe >= 0) close(errpipe);
    }

    void finish() {
        if (finished) return;
        int status = 0;
        pid_t r;
        do r = waitpid(pid, &status, WNOHANG);
        while (r < 0 && errno == EINTR);
        if (r == 0) return;  // not exited yet (spurious wakeup)
        finished = true;
        timer.cancel();
        ProcessResult res;
        res.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        int child_errno = 0;
        if (read(errpipe, &child_errno, sizeof child_errno) == static_cast<ssize_t>(sizeof child_errno)) {
            res.outcome = ProcessResult::SpawnFailed;
            res.error = std::strerror(child_errno);
        } else if (timed_out) {
            res.outcome = ProcessResult::TimedOut;
        } else if (r > 0 && WIFEXITED(status)) {
            res.outcome = ProcessResult::Exited;
            res.code = WEXITSTATUS(status);
        } else if (r > 0 && WIFSIGNALED(status)) {
            res.outcome = ProcessResult::Signalled;
            res.code = WTERMSIG(status);
        } else {
            res.outcome = ProcessResult::SpawnFailed;
            res.error = std::string("waitpid: ") + std::strerror(errno);
        }
        auto cb = std::move(done);
        cb(res);
    }

    void wait_exit() {
        fd.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                          if (ec == asio::error::operation_aborted) return;
                          self->finish();
                          if (!self->finished) self->wait_exit();
                      });
    }

    void arm_timeout(std::chrono::milliseconds t) {
        timer.expires_after(t);
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->finished) return;
            self->timed_out = true;
            // The leader is not reaped yet, so the group id cannot have been reused.
            kill(-self->pid, SIGKILL);
        });
    }
};

[[noreturn]] void child_fail(int errfd) {
    int e = errno;
    ssize_t ignored = write(errfd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

}  // namespace

void run_process(asio::io_context& io, ProcessSpec spec, ProcessCallback done) {
    auto fail = [&](std::string why) {
        ProcessResult r;
        r.outcome = ProcessResult::SpawnFailed;
        r.error = std::move(why);
        asio::post(io, [done = std::move(done), r] { done(r); });
    };
    if (spec.argv.empty()) return fail("empty command");
    auto program = resolve_program(spec.argv[0]);
    if (!program) return fail("'" + spec.argv[0] + "' not found in PATH");
    Identity id;
    if (auto err = resolve_identity(spec, id)) return fail(*err);

    std::vector<char*> argv;
    for (auto& a : spec.argv) argv.push_back(a.data());
    argv.push_back(nullptr);

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));

    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return fail(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // Child: async-signal-safe calls only.
        close(pipefd[0]);
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            if (devnull > 2) close(devnull);
        }
        if (id.change) {
            if (setgroups(1, &id.gid) != 0 && geteuid() == 0) child_fail(pipefd[1]);
            if (setgid(id.gid) != 0) child_fail(pipefd[1]);
            if (setuid(id.uid) != 0) child_fail(pipefd[1]);
        }
        execv(program->c_str(), argv.data());
        child_fail(pipefd[1]);
    }
    close(pipefd[1]);
    setpgid(pid, pid);  // also from the parent: a kill before the child ran setpgid must still reach the group

    auto c = std::make_shared<Child>(io);
    c->pid = pid;
    c->errpipe = pipefd[0];
    fcntl(c->errpipe, F_SETFL, O_NONBLOCK);
    c->started = Clock::now();
    c->done = std::move(done);
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
        fcntl(pidfd, F_SETFD, FD_CLOEXEC);
        c->fd.assign(pidfd);
        c->wait_exit();
        if (spec.timeout.count() > 0) c->arm_timeout(spec.timeout);
    } else {
        // Fallback polling uses the timer, so the deadline is checked inside the poll loop.
        auto deadline = spec.timeout.count() > 0 ? c->started + spec.timeout : Clock::time_point::max();
        struct Poller {
            static void step(std::shared_ptr<Child> self, Clock::time_point deadline) {
                self->timer.expires_after(std::chrono::milliseconds(20));
                self->timer.async_wait([self, deadline](const boost::system::error_code&) {
                    if (!self->timed_out && Clock::now() >= deadline) {
                        self->timed_out = true;
                        kill(-self->pid, SIGKILL);
                    }
                    self->finish();
                    if (!self->finished) step(self, deadline);
                });
            }
        };
        Poller::step(c, deadline);
    }
}

std::optional<std::vector<std::string>> split_command_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        char ch = line[i];
        if (quote) {
            if (ch == quote) {
                quote = 0;
            } else if (ch == '\\' && quote == '"' && i + 1 < line.size()) {
                cur += line[++i];
            } else {
                cur += ch;
            }
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
            in_word = true;
        } else if (ch == '\\' && i + 1 < line.size()) {
            cur += line[++i];
            in_word = true;
        } else if (ch == ' ' || ch == '\t') {
            if (in_word) out.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            cur += ch;
            in_word = true;
        }
    }
    if (quote) return std::nullopt;
    if (in_word) out.push_back(std::move(cur));
    return out;
}

std::optional<std::string> script_insecurity(const std::string& path, uid_t trusted_uid) {
    std::string program = path;
    if (auto p = resolve_program(path)) program = *p;
    char real[PATH_MAX];
    if (!realpath(program.c_str(), real)) return path + ": " + std::strerror(errno);
    std::string rp = real;
    struct stat st {};
    if (stat(rp.c_str(), &st) != 0) return rp + ": " + std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return rp + " is not a regular file";
    if (!(st.st_mode & S_IXUSR)) return rp + " is not executable";

    auto trusted = [&](uid_t u) { return u == 0 || u == trusted_uid; };
    auto check = [&](const std::string& p, const struct stat& s, const struct stat* entry_in_sticky) -> std::optional<std::string> {
        if (!trusted(s.st_uid)) return p + " is owned by uid " + std::to_string(s.st_uid);
        if ((s.st_mode & S_IWGRP) && s.st_gid != 0) return p + " is writable by group " + std::to_string(s.st_gid);
        if (s.st_mode & S_IWOTH) {
            // A sticky directory (like /tmp) only lets the owner of an entry replace it.
            if (!(S_ISDIR(s.st_mode) && (s.st_mode & S_ISVTX) && entry_in_sticky && trusted(entry_in_sticky->st_uid)))
                return p + " is writable by everyone";
        }
        return std::nullopt;
    };
    if (auto r = check(rp, st, nullptr)) return r;
    struct stat child = st;
    std::string dir = rp;
    while (true) {
        size_t slash = dir.find_last_of('/');
        dir = slash == 0 ? "/" : dir.substr(0, slash);
        struct stat ds {};
        if (stat(dir.c_str(), &ds) != 0) return dir + ": " + std::strerror(errno);
        if (auto r = check(dir, ds, &child)) return r;
        if (dir == "/") break;
        child = ds;
    }
    return std::nullopt;
}

}  // namespace healthcheck
