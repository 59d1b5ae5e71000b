// The accept loop the control socket and /metrics share, out of descriptors: it lets a waiting client in
// with the descriptor it keeps in reserve, sits idle (no accept retried at once) while none waits, takes
// the reserve back as descriptors come free, and logs a burst of failures once. The process's own
// open-files limit is lowered for this (no root needed) and restored.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <vector>

#include "director/accept_loop.hpp"

using namespace director;
using tcp = boost::asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

// Log lines to look at, instead of the default logger's, for the test's lifetime.
class CapturedLog {
public:
    CapturedLog() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100)), old_(spdlog::default_logger()) {
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink_));
    }
    ~CapturedLog() { spdlog::set_default_logger(old_); }
    size_t count(const std::string& part) const {
        size_t n = 0;
        for (const auto& line : sink_->last_formatted()) n += line.find(part) != std::string::npos;
        return n;
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> old_;
};

// Every descriptor under a lowered soft limit taken, until release().
class Exhausted {
public:
    Exhausted() {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit low = saved_;
        low.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 256);
        ::setrlimit(RLIMIT_NOFILE, &low);
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fds_.push_back(fd);
        error_ = errno;
    }
    ~Exhausted() {
        release();
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    int error() const { return error_; }
    void release() {
        for (int fd : fds_) ::close(fd);
        fds_.clear();
    }

private:
    rlimit saved_{};
    std::vector<int> fds_;
    int error_ = 0;
};

int client_socket() { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); }

// Connecting needs no new descriptor: the socket was made before the limit was reached.
void connect_to(int fd, uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << std::strerror(errno);
}

struct Listener {
    Listener() : acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
        loop.start();
        io.poll();
    }
    uint16_t port() const { return acceptor.local_endpoint().port(); }
    // Runs the loop until `n` clients were let in, or two seconds passed.
    void run_until_served(size_t n) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (served.size() < n && std::chrono::steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
    }

    boost::asio::io_context io;
    tcp::acceptor acceptor;
    std::vector<tcp::socket> served;
    AcceptLoop<tcp> loop{acceptor, "test listener", [this](tcp::socket s) { served.push_back(std::move(s)); }};
};

}  // namespace

TEST(AcceptLoop, OutOfDescriptorsAWaitingClientIsLetInWithTheReserveAndNothingSpinsMeanwhile) {
    CapturedLog log;
    Listener l;
    ASSERT_TRUE(l.loop.reserve()->held());
    int c1 = client_socket(), c2 = client_socket(), c3 = client_socket(), c4 = client_socket();
    Exhausted full;
    ASSERT_EQ(full.error(), EMFILE);

    connect_to(c1, l.port());
    l.run_until_served(1);
    ASSERT_EQ(l.served.size(), 1u);
    EXPECT_FALSE(l.loop.reserve()->held());  // its number went to the client
    EXPECT_GE(l.loop.errors(), 1u);

    // No client waits: the loop waits too instead of failing accept() again and again.
    l.io.run_for(milliseconds(100));
    const uint64_t idle_errors = l.loop.errors();
    l.io.run_for(milliseconds(300));
    EXPECT_EQ(l.loop.errors(), idle_errors);

    // The served client's descriptor comes free: the next client gets it.
    l.served.clear();
    connect_to(c2, l.port());
    l.run_until_served(1);
    ASSERT_EQ(l.served.size(), 1u);

    // Descriptors come free: the reserve is held again and clients are accepted the plain way.
    full.release();
    connect_to(c3, l.port());
    l.run_until_served(2);
    ASSERT_EQ(l.served.size(), 2u);
    EXPECT_TRUE(l.loop.reserve()->held());
    const uint64_t errors = l.loop.errors();
    connect_to(c4, l.port());
    l.run_until_served(3);
    ASSERT_EQ(l.served.size(), 3u);
    EXPECT_EQ(l.loop.errors(), errors);

    EXPECT_EQ(log.count("test listener: out of file descriptors; clients are served with one kept in reserve"), 1u);
    EXPECT_EQ(log.count("test listener: accepting again, after " + std::to_string(errors) + " failed accepts"), 1u);
    for (int fd : {c1, c2, c3, c4}) ::close(fd);
}

TEST(AcceptLoop, StoppedLoopGivesUpItsReserveForGood) {
    Listener l;
    auto reserve = l.loop.reserve();
    ASSERT_TRUE(reserve->held());
    l.loop.stop();
    EXPECT_FALSE(reserve->held());
    reserve->take();  // what a connection still open does as it closes
    EXPECT_FALSE(reserve->held());
}

TEST(AcceptErrors, EachKindIsLoggedOncePerBurstAndTheEndOfABurstOnce) {
    CapturedLog log;
    AcceptErrors errors("x");
    const boost::system::error_code emfile(EMFILE, boost::system::system_category());
    const boost::system::error_code nobufs(ENOBUFS, boost::system::system_category());
    for (int i = 0; i < 5; ++i) errors.failed(emfile);
    errors.failed(nobufs);
    errors.failed(nobufs);
    EXPECT_EQ(errors.total(), 7u);
    EXPECT_EQ(log.count("x: out of file descriptors"), 1u);
    EXPECT_EQ(log.count("x: accept: No buffer space available; trying again in a second"), 1u);
    errors.accepted();
    errors.accepted();
    EXPECT_EQ(log.count("x: accepting again, after 7 failed accepts"), 1u);
    EXPECT_EQ(log.count("accepting again"), 1u);
    errors.failed(emfile);  // a new burst is said again
    EXPECT_EQ(log.count("x: out of file descriptors"), 2u);
    EXPECT_EQ(errors.total(), 8u);
}
