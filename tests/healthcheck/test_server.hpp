#pragma once
// A real HTTP/HTTPS server on 127.0.0.1 running in its own thread, for loopback checker tests. It can
// answer with any status/body, answer chunked, accept and never answer (hung), require client
// certificates, keep connections alive (and close them as servers do), and counts connections, requests
// and resumed TLS handshakes.
#include <atomic>
#include <memory>
#include <mutex>
#include <openssl/ssl.h>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "tests/healthcheck/test_support.hpp"

namespace testsupport {

// Throw-away PKI made by make_test_pki.sh, once per test binary run.
struct Pki {
    std::string dir;
    std::string file(const std::string& name) const { return dir + "/" + name; }
    static const Pki& get() {
        static TempDir tmp;
        static Pki pki = [] {
            std::string script = std::filesystem::path(__FILE__).parent_path() / "make_test_pki.sh";
            std::string cmd = "sh " + script + " " + tmp.path + "/pki";
            if (std::system(cmd.c_str()) != 0) throw std::runtime_error("make_test_pki.sh failed");
            return Pki{tmp.path + "/pki"};
        }();
        return pki;
    }
};

struct ServerTls {
    std::string cert, key;
    std::string client_ca;  // non-empty: require a client certificate signed by it
};

class TestHttpServer {
public:
    struct Options {
        int status = 200;
        std::string body = "ok\n";
        bool chunked = false;
        bool hang = false;  // accept and read, never answer
        bool endless = false;  // 200 with a body that never ends (no length, never closed)
        // Keep-alive: answer without `Connection: close` and read the next request on the same connection.
        bool keep_alive = false;
        bool close_idle = false;    // with keep_alive: close each connection right after the response
                                    // (TLS: close_notify first), as a server's idle timeout does
        bool drop_reused = false;   // with keep_alive: a second request on a connection is not answered,
                                    // the connection is closed instead
        std::string version = "HTTP/1.1";
        std::optional<ServerTls> tls;
        std::string address = "127.0.0.1";
    };

    explicit TestHttpServer(Options o) : opts_(std::move(o)), acceptor_(io_) {
        namespace ip = boost::asio::ip;
        ip::tcp::endpoint ep(ip::make_address(opts_.address), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(ip::tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        if (opts_.tls) {
            ctx_.emplace(boost::asio::ssl::context::tls_server);
            ctx_->use_certificate_chain_file(opts_.tls->cert);
            ctx_->use_private_key_file(opts_.tls->key, boost::asio::ssl::context::pem);
            static const unsigned char sid[] = "hc-test";
            SSL_CTX_set_session_id_context(ctx_->native_handle(), sid, sizeof sid - 1);
            if (!opts_.tls->client_ca.empty()) {
                ctx_->load_verify_file(opts_.tls->client_ca);
                ctx_->set_verify_mode(boost::asio::ssl::verify_peer | boost::asio::ssl::verify_fail_if_no_peer_cert);
            }
        }
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TestHttpServer() {
        boost::asio::post(io_, [this] {
            boost::system::error_code ec;
            acceptor_.close(ec);
            held_.clear();
            io_.stop();
        });
        thread_.join();
    }

    uint16_t port() const { return port_; }
    boost::asio::ip::tcp::endpoint endpoint() const {
        return {boost::asio::ip::make_address(opts_.address), port_};
    }
    int connections() const { return connections_; }
    int requests() const { return requests_; }
    int handshakes() const { return handshakes_; }
    int resumed() const { return resumed_; }
    std::string last_request() const {
        std::lock_guard<std::mutex> l(mu_);
        return last_request_;
    }
    void set_status(int s) { status_override_ = s; }
    void set_hang(bool h) { hang_override_ = h ? 1 : 0; }

private:
    struct Conn {
        boost::asio::ip::tcp::socket sock;
        std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls;
        std::string in, out;
        int served = 0;
        std::array<char, 4096> buf{};
        explicit Conn(boost::asio::io_context& io) : sock(io) {}
    };

    void accept() {
        auto c = std::make_shared<Conn>(io_);
        acceptor_.async_accept(c->sock, [this, c](const boost::system::error_code& ec) {
            if (ec) return;
            ++connections_;
            accept();
            if (ctx_) {
                c->tls.emplace(c->sock, *ctx_);
                c->tls->async_handshake(boost::asio::ssl::stream_base::server, [this, c](const boost::system::error_code& ec) {
                    if (ec) return;
                    ++handshakes_;
                    if (SSL_session_reused(c->tls->native_handle())) ++resumed_;
                    read(c);
                });
            } else {
                read(c);
            }
        });
    }

    void read(std::shared_ptr<Conn> c) {
        auto h = [this, c](const boost::system::error_code& ec, size_t n) {
            if (ec) return;
            c->in.append(c->buf.data(), n);
            auto end = c->in.find("\r\n\r\n");
            if (end == std::string::npos) return read(c);
            ++requests_;
            {
                std::lock_guard<std::mutex> l(mu_);
                last_request_ = c->in.substr(0, end + 4);
            }
            c->in.erase(0, end + 4);
            if (opts_.drop_reused && c->served > 0) {
                boost::system::error_code ignored;
                c->sock.close(ignored);
                return;
            }
            ++c->served;
            bool hang = hang_override_ >= 0 ? hang_override_ == 1 : opts_.hang;
            if (hang) {
                held_.push_back(c);  // keep the connection open, never answer
                return;
            }
            respond(c);
        };
        if (c->tls) c->tls->async_read_some(boost::asio::buffer(c->buf), h);
        else c->sock.async_read_some(boost::asio::buffer(c->buf), h);
    }

    void respond(std::shared_ptr<Conn> c) {
        int status = status_override_ > 0 ? status_override_.load() : opts_.status;
        std::string head = opts_.version + " " + std::to_string(status) + " X\r\n" +
                           (opts_.keep_alive ? std::string(opts_.version == "HTTP/1.0" ? "Connection: keep-alive\r\n" : "")
                                             : std::string("Connection: close\r\n"));
        if (opts_.endless) {
            c->out = head + "\r\n" + std::string(65536, 'x');
            return stream(c);
        }
        if (opts_.chunked) {
            c->out = head + "Transfer-Encoding: chunked\r\n\r\n";
            // Split into two chunks so the client must reassemble.
            size_t half = opts_.body.size() / 2;
            auto chunk = [](const std::string& s) {
                char hex[32];
                snprintf(hex, sizeof hex, "%zx", s.size());
                return std::string(hex) + ";ext=1\r\n" + s + "\r\n";
            };
            if (half) c->out += chunk(opts_.body.substr(0, half));
            if (opts_.body.size() - half) c->out += chunk(opts_.body.substr(half));
            c->out += "0\r\n\r\n";
        } else {
            c->out = head + "Content-Length: " + std::to_string(opts_.body.size()) + "\r\n\r\n" + opts_.body;
        }
        auto done = [this, c](const boost::system::error_code& ec, size_t) {
            if (opts_.keep_alive && !opts_.close_idle) {
                if (!ec) read(c);
                return;
            }
            if (c->tls) {
                c->tls->async_shutdown([c](const boost::system::error_code&) {});
            } else {
                boost::system::error_code ignored;
                c->sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
            }
        };
        if (c->tls) boost::asio::async_write(*c->tls, boost::asio::buffer(c->out), done);
        else boost::asio::async_write(c->sock, boost::asio::buffer(c->out), done);
    }

    // Writes c->out again and again until the client goes away.
    void stream(std::shared_ptr<Conn> c) {
        auto again = [this, c](const boost::system::error_code& ec, size_t) {
            if (ec) return;
            c->out.assign(65536, 'x');
            stream(c);
        };
        if (c->tls) boost::asio::async_write(*c->tls, boost::asio::buffer(c->out), again);
        else boost::asio::async_write(c->sock, boost::asio::buffer(c->out), again);
    }

    Options opts_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::optional<boost::asio::ssl::context> ctx_;
    std::vector<std::shared_ptr<Conn>> held_;
    uint16_t port_ = 0;
    std::atomic<int> connections_{0}, requests_{0}, handshakes_{0}, resumed_{0};
    std::atomic<int> status_override_{0}, hang_override_{-1};
    mutable std::mutex mu_;
    std::string last_request_;
    std::thread thread_;
};

}  // namespace testsupport
