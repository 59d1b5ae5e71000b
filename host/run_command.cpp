#include "host/run_command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace host {

namespace {

std::vector<char*> c_args(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    return args;
}

// stdin_fd < 0: /dev/null.
CommandResult run_with_stdin(const std::vector<std::string>& argv, int stdin_fd) {
    CommandResult r;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        r.output = std::string("pipe: ") + std::strerror(errno);
        return r;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    auto args = c_args(argv);
    pid_t pid = -1;
    int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (err != 0) {
        close(pipefd[0]);
        r.output = argv[0] + ": " + std::strerror(err);
        return r;
    }
    r.started = true;
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) r.output.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == ' ')) r.output.pop_back();
    return r;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) { return run_with_stdin(argv, -1); }

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input) {
    CommandResult r;
    int fd = memfd_create("stdin", MFD_CLOEXEC);
    if (fd < 0) {
        r.output = std::string("memfd_create: ") + std::strerror(errno);
        return r;
    }
    for (size_t done = 0; done < input.size();) {
        ssize_t n = write(fd, input.data() + done, input.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            r.output = std::string("writing stdin for ") + argv[0] + ": " + std::strerror(errno);
            close(fd);
            return r;
        }
        done += static_cast<size_t>(n);
    }
    lseek(fd, 0, SEEK_SET);
    r = run_with_stdin(argv, fd);
    close(fd);
    return r;
}

pid_t start_detached(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    // Its own session: it outlives the starting command and a terminal's hang-up.
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
    auto args = c_args(argv);
    pid_t pid = -1;
    int err = posix_spawnp(&pid, args[0], &fa, &at, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (err != 0) {
        std::string cmd;
        for (const auto& a : argv) {
            if (!cmd.empty()) cmd += ' ';
            cmd += a;
        }
        throw std::runtime_error("starting " + cmd + ": " + std::strerror(err));
    }
    return pid;
}

}  // namespace host
