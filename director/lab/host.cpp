#include "director/lab/host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "host/run_command.hpp"

namespace director::lab {

namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
    return s;
}

host::CommandResult run(const std::vector<std::string>& argv) {
    auto r = host::run_command(argv);
    if (r.status != 0) throw std::runtime_error(joined(argv) + ": " + (r.output.empty() ? "failed" : r.output));
    return r;
}

}  // namespace

void ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    run(argv);
}

void run_in(const std::string& ns, const std::vector<std::string>& argv) {
    std::vector<std::string> full{"ip", "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    run(full);
}

std::vector<std::string> namespaces(const std::string& prefix) {
    // `ip netns add` keeps a bind mount per namespace here; reading the directory needs no child process.
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
        std::string n = e.path().filename();
        if (n.rfind(prefix, 0) == 0) out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<pid_t> namespace_pids(const std::string& ns) {
    auto r = host::run_command({"ip", "netns", "pids", ns});
    std::vector<pid_t> out;
    if (r.status != 0) return out;
    std::istringstream in(r.output);
    for (long p; in >> p;)
        if (p > 0 && p != getpid()) out.push_back(static_cast<pid_t>(p));
    return out;
}

pid_t spawn_in(const std::string& ns, const std::vector<std::string>& argv, const std::filesystem::path& log) {
    std::vector<std::string> full{"ip", "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    return host::start_detached(full, log.string());
}

bool process_alive(pid_t pid) {
    if (pid <= 0) return false;
    // A zombie still answers kill(0): read its state instead.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

void stop_process(pid_t pid, std::chrono::milliseconds grace) {
    if (!process_alive(pid)) return;
    kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (process_alive(pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (process_alive(pid)) kill(pid, SIGKILL);
    auto hard = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (process_alive(pid) && std::chrono::steady_clock::now() < hard)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void stop_processes(const std::string& ns, std::chrono::milliseconds grace) {
    auto pids = namespace_pids(ns);
    for (pid_t p : pids) kill(p, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (!namespace_pids(ns).empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (pid_t p : namespace_pids(ns)) kill(p, SIGKILL);
    auto hard = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!namespace_pids(ns).empty() && std::chrono::steady_clock::now() < hard)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

void delete_namespace(const std::string& ns) {
    if (!std::filesystem::exists("/run/netns/" + ns)) return;
    ip({"netns", "delete", ns});
}

}  // namespace director::lab
