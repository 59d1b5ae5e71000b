#include "director/lab/https_backend.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <istream>
#include <stdexcept>

namespace director::lab {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr auto kIdle = std::chrono::seconds(60);

bool wants_close(const std::string& head) {
    // HTTP/1.0 closes unless asked to keep alive; 1.1 keeps alive unless asked to close.
    std::string lower;
    for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("connection: close") != std::string::npos) return true;
    bool http10 = lower.find("http/1.0\r\n") != std::string::npos;
    return http10 && lower.find("connection: keep-alive") == std::string::npos;
}

asio::awaitable<void> serve(std::shared_ptr<asio::ssl::stream<tcp::socket>> s, std::string name,
                            std::shared_ptr<unsigned long long> served) {
    boost::system::error_code ec;
    // An idle or stalled client is dropped after kIdle, so connections cannot pile up.
    asio::steady_timer idle(s->get_executor());
    auto arm = [&] {
        idle.expires_after(kIdle);
        idle.async_wait([s](boost::system::error_code e) {
            if (!e) s->lowest_layer().close();
        });
    };
    arm();
    co_await s->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::streambuf buf(kMaxHeader);
    for (;;) {
        arm();
        std::size_t n = co_await asio::async_read_until(*s, buf, "\r\n\r\n", asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        std::string head(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + static_cast<long>(n));
        buf.consume(n);
        std::string line = head.substr(0, head.find("\r\n"));
        bool close = wants_close(head);
        std::string out = backend_response(line, name, !close);
        co_await asio::async_write(*s, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        ++*served;
        if (close) break;
    }
    idle.cancel();
    co_await s->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

std::string backend_response(const std::string& request_line, const std::string& name, bool keep_alive) {
    std::string status = "200 OK", body;
    auto sp1 = request_line.find(' ');
    auto sp2 = sp1 == std::string::npos ? sp1 : request_line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) {
        status = "400 Bad Request";
        body = "bad request line\n";
    } else {
        std::string method = request_line.substr(0, sp1), path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
        if (method != "GET" && method != "HEAD") {
            status = "405 Method Not Allowed";
            body = "only GET\n";
        } else if (path == "/healthz" || path == "/readyz" || path == "/livez") {
            body = "ok";
        } else {
            body = "served by " + name + "\n";
        }
        if (method == "HEAD") {
            return "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
        }
    }
    return "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") + "\r\n\r\n" + body;
}

HttpsBackend::HttpsBackend(asio::io_context& io, const BackendOptions& o)
    : io_(io), opts_(o), tls_(asio::ssl::context::tls_server), acceptor_(io),
      served_(std::make_shared<unsigned long long>(0)) {
    boost::system::error_code ec;
    tls_.use_certificate_chain_file(o.certificate, ec);
    if (ec) throw std::runtime_error("certificate " + o.certificate + ": " + ec.message());
    tls_.use_private_key_file(o.key, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("key " + o.key + ": " + ec.message());
    acceptor_.open(o.listen.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(o.listen, ec);
    if (ec) throw std::runtime_error("listen " + o.listen.address().to_string() + ":" +
                                     std::to_string(o.listen.port()) + ": " + ec.message());
    acceptor_.listen();
}

HttpsBackend::~HttpsBackend() {
    *alive_ = false;
    boost::system::error_code ec;
    acceptor_.close(ec);
}

unsigned short HttpsBackend::port() const { return acceptor_.local_endpoint().port(); }

void HttpsBackend::start() {
    // An accept already completed is not cancelled by closing the acceptor: its handler may still run
    // after the backend is gone (a test that stops a backend while a probe connects).
    acceptor_.async_accept([this, alive = alive_](boost::system::error_code ec, tcp::socket sock) {
        if (!*alive || ec == asio::error::operation_aborted) return;
        if (!ec) {
            auto s = std::make_shared<asio::ssl::stream<tcp::socket>>(std::move(sock), tls_);
            asio::co_spawn(io_, serve(s, opts_.name, served_), asio::detached);
        }
        start();
    });
}

}  // namespace director::lab
