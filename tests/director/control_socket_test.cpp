// The control socket's guards: mode 0600 from birth, an idle-client timeout, a request size cap, a
// connection cap, replies that stay valid JSON whatever bytes they carry, and a path it will not steal.
// The peer-credential check needs a second uid and is in tests/netns/daemon_control_test.py.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "director/control_socket.hpp"
#include "tests/director/temp_dir.hpp"

using namespace director;
using director::testing::TempDir;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// A ControlServer on its own io thread. "counters" answers with the server's status; anything else
// is echoed back, so a test can tell a served request from a refusal.
class Served {
public:
    explicit Served(ControlLimits limits = {}, ControlServer::Handler handler = {}) {
        path_ = (dir_.path() / "c.sock").string();
        if (!handler)
            handler = [this](const std::string& r) -> nlohmann::json {
                if (r == "counters") return server_->status();
                return {{"echo", r}};
            };
        server_ = std::make_unique<ControlServer>(io_, path_, handler, limits);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Served() {
        boost::asio::post(io_, [this] {
            server_->close();
            io_.stop();
        });
        thread_.join();
    }
    const std::string& path() const { return path_; }
    const TempDir& dir() const { return dir_; }

private:
    TempDir dir_;
    std::string path_;
    boost::asio::io_context io_;
    std::unique_ptr<ControlServer> server_;
    std::thread thread_;
};

int connect_to(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << std::strerror(errno);
    return fd;
}

void send_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;  // the server may close once it has refused the request
        off += static_cast<size_t>(n);
    }
}

// Everything the server sends until it closes the connection; `closed` says whether it did in time.
std::string read_until_closed(int fd, milliseconds timeout, bool* closed = nullptr) {
    std::string out;
    auto deadline = Clock::now() + timeout;
    if (closed) *closed = false;
    while (Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
        if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 0))) <= 0) break;
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (closed) *closed = true;
            break;
        }
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

nlohmann::json ask(const std::string& path, const std::string& request) {
    int fd = connect_to(path);
    send_all(fd, request + "\n");
    auto text = read_until_closed(fd, std::chrono::seconds(5));
    ::close(fd);
    return nlohmann::json::parse(text);
}

}  // namespace

TEST(ControlSocket, IsCreatedMode0600AndLeavesTheUmaskAlone) {
    mode_t before = ::umask(022);
    {
        Served s;
        struct stat st {};
        ASSERT_EQ(::lstat(s.path().c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, 0600u);
    }
    EXPECT_EQ(::umask(before), 022u);
}

TEST(ControlSocket, IdleClientIsDroppedAfterTheTimeoutWhileOthersAreServed) {
    ControlLimits limits;
    limits.idle_timeout = milliseconds(300);
    Served s(limits);
    int idle = connect_to(s.path());
    send_all(idle, "stat");  // never finished with a newline
    auto t0 = Clock::now();
    EXPECT_EQ(ask(s.path(), "hello")["echo"], "hello");

    bool closed = false;
    read_until_closed(idle, std::chrono::seconds(3), &closed);
    auto waited = Clock::now() - t0;
    ::close(idle);
    EXPECT_TRUE(closed) << "the idle client was never dropped";
    EXPECT_GE(waited, milliseconds(250));
    EXPECT_EQ(ask(s.path(), "counters")["idle_timeouts"], 1);
}

TEST(ControlSocket, OversizeRequestGetsAnErrorReply) {
    Served s;  // the default cap, 64 KiB
    int fd = connect_to(s.path());
    send_all(fd, std::string(70 * 1024, 'x'));
    bool closed = false;
    auto reply = nlohmann::json::parse(read_until_closed(fd, std::chrono::seconds(5), &closed));
    ::close(fd);
    EXPECT_TRUE(closed);
    EXPECT_NE(reply.value("error", "").find("longer than 65536 bytes"), std::string::npos) << reply;
    EXPECT_EQ(ask(s.path(), "counters")["oversize"], 1);
}

TEST(ControlSocket, ClientsBeyondTheCapAreRefusedAtOnce) {
    ControlLimits limits;
    limits.max_clients = 4;
    Served s(limits);
    std::vector<int> held;
    for (int i = 0; i < 4; ++i) held.push_back(connect_to(s.path()));

    int extra = connect_to(s.path());
    auto t0 = Clock::now();
    bool closed = false;
    auto reply = nlohmann::json::parse(read_until_closed(extra, std::chrono::seconds(3), &closed));
    ::close(extra);
    EXPECT_TRUE(closed);
    EXPECT_LT(Clock::now() - t0, milliseconds(1000)) << "refused only after a wait";
    EXPECT_NE(reply.value("error", "").find("busy"), std::string::npos) << reply;

    // A slot frees up as soon as a held client goes away.
    ::close(held.back());
    held.pop_back();
    nlohmann::json counters;
    auto deadline = Clock::now() + std::chrono::seconds(5);
    do {
        counters = ask(s.path(), "counters");
    } while (counters.contains("error") && Clock::now() < deadline);
    EXPECT_FALSE(counters.contains("error")) << counters;
    EXPECT_GE(counters["refused_busy"], 1);
    for (int fd : held) ::close(fd);
}

TEST(ControlSocket, InvalidUtf8InRequestOrReplyIsReplacedNotFatal) {
    Served s({}, [](const std::string& r) -> nlohmann::json {
        return {{"instance", std::string("VI_\xe9")}, {"request", r}};
    });
    auto reply = ask(s.path(), "st\xff" "atus");
    EXPECT_EQ(reply["instance"], "VI_\xef\xbf\xbd");  // U+FFFD
    EXPECT_EQ(reply["request"], "st\xef\xbf\xbd" "atus");
    // The server is still there for the next client.
    EXPECT_EQ(ask(s.path(), "again")["request"], "again");
}

TEST(ControlSocket, RefusesToReplaceAFileThatIsNotASocket) {
    TempDir dir;
    auto path = (dir.path() / "c.sock").string();
    std::ofstream(path) << "precious\n";
    boost::asio::io_context io;
    EXPECT_THROW(ControlServer(io, path, [](const std::string&) { return nlohmann::json{}; }), std::runtime_error);
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "precious");
}

TEST(ControlSocket, RefusesAPathAnotherServerAnswersOn) {
    Served first;
    boost::asio::io_context io;
    try {
        ControlServer second(io, first.path(), [](const std::string&) { return nlohmann::json{}; });
        FAIL() << "a second server took over a live socket";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("another process answers"), std::string::npos) << e.what();
    }
    EXPECT_EQ(ask(first.path(), "still")["echo"], "still");
}

TEST(ControlSocket, ClientGivesUpOnADaemonThatNeverAnswers) {
    TempDir dir;
    auto path = (dir.path() / "mute.sock").string();
    int l = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(l, 4), 0);
    auto t0 = Clock::now();
    try {
        control_request(path, "status", milliseconds(200));
        FAIL() << "expected a timeout";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("no reply"), std::string::npos) << e.what();
    }
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
    ::close(l);
}
