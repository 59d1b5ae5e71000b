#include "host/process.hpp"

#include <cerrno>
#include <deque>
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

namespace host {

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
    Identity id;
    if (auto err = resolve_identity(spec, id)) return fail(*err);
    std::optional<std::string> program;
    if (spec.secure) {
        // Files the script's own user may change are no escalation: it runs as that user anyway.
        auto sp = secure_program(spec.argv[0], id.change ? id.uid : geteuid());
        if (sp.why) return fail("refused by enable_script_security: " + *sp.why);
        program = sp.resolved;
    } else {
        program = resolve_program(spec.argv[0]);
    }
    if (!program) return fail("'" + spec.argv[0] + "' not found in PATH");

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
        // Nothing of the daemon's may reach the script (control socket listener, checker sockets, raw
        // VRRP socket): everything above stderr is closed. The error pipe moves to fd 3, close-on-exec.
        int errfd = pipefd[1];
        if (errfd != 3) {
            if (dup2(errfd, 3) < 0) child_fail(errfd);
            errfd = 3;
        }
        fcntl(errfd, F_SETFD, FD_CLOEXEC);
        if (syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
            long max = sysconf(_SC_OPEN_MAX);
            for (long fd = 4; fd < (max > 0 ? max : 65536); ++fd) close(static_cast<int>(fd));
        }
        pipefd[1] = errfd;
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

namespace {

bool trusted_owner(uid_t u, uid_t trusted_uid) { return u == 0 || u == trusted_uid; }

// Why a directory (or the final file) lets an untrusted user change what it holds, or nullopt.
// `entry` is what the directory holds on our path: a sticky world-writable directory only lets an
// entry's owner replace it.
std::optional<std::string> writable_by_others(const std::string& p, const struct stat& s, const struct stat* entry,
                                              uid_t trusted_uid) {
    if (!trusted_owner(s.st_uid, trusted_uid)) return p + " is owned by uid " + std::to_string(s.st_uid);
    if ((s.st_mode & S_IWGRP) && s.st_gid != 0) return p + " is writable by group " + std::to_string(s.st_gid);
    if (s.st_mode & S_IWOTH) {
        bool sticky_ok = S_ISDIR(s.st_mode) && (s.st_mode & S_ISVTX) && entry && trusted_owner(entry->st_uid, trusted_uid);
        if (!sticky_ok) return p + " is writable by everyone";
    }
    return std::nullopt;
}

std::string join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }

}  // namespace

std::optional<std::string> find_program(const std::string& name) { return resolve_program(name); }

SecureProgram secure_program(const std::string& path, uid_t trusted_uid) {
    SecureProgram out;
    auto program = resolve_program(path);
    if (!program) {
        out.why = path + ": not found in PATH";
        return out;
    }
    std::string start = *program;
    if (start.front() != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            out.why = std::string("getcwd: ") + std::strerror(errno);
            return out;
        }
        start = std::string(cwd) + "/" + start;
    }
    // Components still to walk, next first; a symlink's target goes in front of the rest.
    std::deque<std::string> todo;
    auto put_in_front = [&todo](const std::string& p) {
        std::vector<std::string> parts;
        size_t i = 0;
        while (i < p.size()) {
            size_t j = p.find('/', i);
            if (j == std::string::npos) j = p.size();
            if (j > i) parts.push_back(p.substr(i, j - i));
            i = j + 1;
        }
        todo.insert(todo.begin(), parts.begin(), parts.end());
    };
    put_in_front(start);

    std::string cur = "/";
    struct stat cur_st {};
    if (lstat("/", &cur_st) != 0) {
        out.why = std::string("/: ") + std::strerror(errno);
        return out;
    }
    int links = 0;
    while (!todo.empty()) {
        std::string name = todo.front();
        todo.pop_front();
        if (name == ".") continue;
        if (name == "..") {
            // Only directories already checked lie above us.
            size_t slash = cur.find_last_of('/');
            cur = slash == 0 ? "/" : cur.substr(0, slash);
            lstat(cur.c_str(), &cur_st);
            continue;
        }
        std::string next = join(cur, name);
        struct stat st {};
        if (lstat(next.c_str(), &st) != 0) {
            out.why = next + ": " + std::strerror(errno);
            return out;
        }
        // The directory holding this entry decides who may replace the entry.
        if (auto w = writable_by_others(cur, cur_st, &st, trusted_uid)) {
            out.why = *w;
            return out;
        }
        if (S_ISLNK(st.st_mode)) {
            if (++links > 40) {
                out.why = next + ": too many levels of symbolic links";
                return out;
            }
            char target[PATH_MAX];
            ssize_t n = readlink(next.c_str(), target, sizeof target - 1);
            if (n < 0) {
                out.why = next + ": " + std::strerror(errno);
                return out;
            }
            std::string t(target, static_cast<size_t>(n));
            put_in_front(t);
            if (!t.empty() && t.front() == '/') {
                cur = "/";
                lstat("/", &cur_st);
            }
            continue;
        }
        if (!todo.empty()) {
            if (!S_ISDIR(st.st_mode)) {
                out.why = next + ": not a directory";
                return out;
            }
            cur = next;
            cur_st = st;
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            out.why = next + " is not a regular file";
            return out;
        }
        if (!(st.st_mode & S_IXUSR)) {
            out.why = next + " is not executable";
            return out;
        }
        if (auto w = writable_by_others(next, st, nullptr, trusted_uid)) {
            out.why = *w;
            return out;
        }
        out.resolved = next;
    }
    if (out.resolved.empty()) out.why = path + " is not a file";
    return out;
}

std::optional<std::string> script_insecurity(const std::string& path, uid_t trusted_uid) {
    return secure_program(path, trusted_uid).why;
}

}  // namespace host
