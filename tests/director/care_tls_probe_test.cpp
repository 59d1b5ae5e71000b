// The default probe scheme (https, as for kube-apiservers) against a real TLS server: openssl s_server.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <boost/asio.hpp>

#include "director/care/prober.hpp"
#include "host/run_command.hpp"

using namespace director::care;
using namespace std::chrono_literals;
namespace asio = boost::asio;

extern char** environ;

namespace {

// A self-signed certificate and `openssl s_server -www` on a free 127.0.0.1 port; killed on scope exit.
class TlsServer {
public:
    TlsServer() : dir_(std::filesystem::temp_directory_path() / ("care-tls-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(dir_);
        auto gen = host::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=care-test",
                                "-days", "1", "-keyout", (dir_ / "key.pem").string(), "-out", (dir_ / "cert.pem").string()});
        if (gen.status != 0) throw std::runtime_error("openssl req: " + gen.output);
        {
            asio::io_context io;
            asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
            port = a.local_endpoint().port();
        }
        std::string accept = "127.0.0.1:" + std::to_string(port), cert = (dir_ / "cert.pem").string(),
                    key = (dir_ / "key.pem").string();
        std::vector<const char*> argv{"openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(),
                                      "-cert", cert.c_str(), "-key", key.c_str(), nullptr};
        if (posix_spawnp(&pid_, "openssl", nullptr, nullptr, const_cast<char**>(argv.data()), environ) != 0)
            throw std::runtime_error("cannot start openssl s_server");
        // Deadline-poll until it accepts connections.
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            asio::io_context io;
            asio::ip::tcp::socket s(io);
            boost::system::error_code ec;
            s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
            if (!ec) return;
            std::this_thread::sleep_for(20ms);
        }
        throw std::runtime_error("openssl s_server did not start listening");
    }
    ~TlsServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::filesystem::remove_all(dir_);
    }
    uint16_t port = 0;

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
};

ProbeResult probe_one(const ProbeSettings& s, Endpoint target) {
    asio::io_context io;
    Prober p(io, s);
    ProbeResult out{false, "no answer"};
    p.probe_all({target}, 5s, [&](Prober::Results r) { out = r[target]; });
    io.run();
    return out;
}

}  // namespace

TEST(CareTlsProbe, HttpsProbePassesWithSkipVerifyAsLvscareDefaults) {
    TlsServer srv;
    ProbeSettings s;  // https, /healthz, insecure-skip-verify=true: lvscare's defaults
    auto r = probe_one(s, {*parse_ipv4("127.0.0.1"), srv.port});
    EXPECT_TRUE(r.healthy) << r.error;
}

TEST(CareTlsProbe, VerifyingProbeRejectsAnUntrustedCertificate) {
    TlsServer srv;
    ProbeSettings s;
    s.insecure_skip_verify = false;
    auto r = probe_one(s, {*parse_ipv4("127.0.0.1"), srv.port});
    EXPECT_FALSE(r.healthy);
    EXPECT_NE(r.error.find("tls handshake"), std::string::npos) << r.error;
}

TEST(CareTlsProbe, HttpsProbeOfAPlainHttpPortFails) {
    // An apiserver port answered by something that does not speak TLS must not count as healthy.
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    Endpoint target{*parse_ipv4("127.0.0.1"), a.local_endpoint().port()};
    std::thread t([&] {
        asio::ip::tcp::socket s(io);
        a.accept(s);
        asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")));
        boost::system::error_code ec;
        char buf[512];
        s.read_some(asio::buffer(buf), ec);
    });
    ProbeSettings s;
    auto r = probe_one(s, target);
    t.join();
    EXPECT_FALSE(r.healthy);
}
