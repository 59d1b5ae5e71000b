#include "director/daemon.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "director/version.hpp"

namespace director {

namespace {

// An flock()ed pid file: a second director with the same pid file refuses to start, and a pid file
// left by a killed run (no lock holder) is simply taken over.
int lock_pid_file(const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("pid file " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
        while (!pid.empty() && pid.back() == '\n') pid.pop_back();
        throw std::runtime_error("another director holds " + path + " (pid " + pid +
                                 "); give each instance its own --pid-file and --control-socket");
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        spdlog::warn("pid file {}: write failed: {}", path, std::strerror(errno));
    return fd;
}

}  // namespace

Daemon::Daemon(config::Config cfg, DaemonOptions opts)
    : cfg_(std::move(cfg)), opts_(std::move(opts)), signals_(io_, SIGTERM, SIGINT) {}

Daemon::~Daemon() {
    components_.clear();
    if (control_) control_->close();
    if (pid_fd_ >= 0) {
        ::unlink(opts_.pid_file.c_str());
        ::close(pid_fd_);
    }
}

int Daemon::run() {
    started_ = std::chrono::steady_clock::now();
    pid_fd_ = lock_pid_file(opts_.pid_file);
    // Scripts we start must not inherit a blocked SIGPIPE or die with us on a terminal hangup.
    std::signal(SIGPIPE, SIG_IGN);

    if (auto c = make_vrrp_component(io_, cfg_, opts_.run)) components_.push_back(std::move(c));
    if (auto c = make_lvs_component(io_, cfg_, opts_.run)) components_.push_back(std::move(c));

    control_ = std::make_unique<ControlServer>(io_, opts_.control_socket, [this](const std::string& req) {
        if (req == "status" || req.empty()) return status();
        return nlohmann::json{{"error", "unknown request '" + req + "' (known: status)"}};
    });
    signals_.async_wait([this](boost::system::error_code ec, int signo) {
        if (!ec) on_signal(signo);
    });

    spdlog::info("director {} starting: config {}, {} vrrp_instance(s), {} virtual_server(s)", version(), cfg_.path,
                 cfg_.vrrp_instances.size(), cfg_.virtual_servers.size());
    for (auto& c : components_) c->start();
    io_.run();
    spdlog::info("director stopped");
    return 0;
}

void Daemon::on_signal(int signo) {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("received {}, stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    // A second signal while stopping means "now": skip whatever orderly work is still pending.
    signals_.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) {
            spdlog::warn("second signal: exiting without finishing the orderly stop");
            io_.stop();
        }
    });
    if (control_) control_->close();
    stop_next(0);
}

// Components stop one after the other, in creation order: the VRRP instances first (a master sends its
// priority-0 advert and drops the VIP, so the peer takes over at once), then the IPVS rules.
void Daemon::stop_next(size_t index) {
    if (index >= components_.size()) {
        signals_.cancel();
        io_.stop();
        return;
    }
    components_[index]->stop([this, index] { boost::asio::post(io_, [this, index] { stop_next(index + 1); }); });
}

nlohmann::json Daemon::status() const {
    nlohmann::json j;
    j["pid"] = ::getpid();
    j["version"] = version();
    j["config"] = cfg_.path;
    j["uptime_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    for (const auto& c : components_) j[c->name()] = c->status();
    return j;
}

}  // namespace director
