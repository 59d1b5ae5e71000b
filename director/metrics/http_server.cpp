#include "director/metrics/http_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "director/config/values.hpp"

namespace director::metrics {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr size_t kMaxConnections = 16;
constexpr auto kDeadline = std::chrono::seconds(5);
}  // namespace

struct HttpServer::Shared {
    AsyncRender render;
    std::shared_ptr<DescriptorReserve> reserve;  // the accept loop's
    size_t connections = 0;
    uint64_t served = 0, refused = 0, bad_requests = 0, timeouts = 0;
};

tcp::endpoint parse_listen(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("'" + text + "' is not ADDR:PORT (or :PORT)");
    std::string host = text.substr(0, colon), port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stol(port) > 65535)
        throw std::invalid_argument("'" + text + "': bad port '" + port + "'");
    asio::ip::address addr = asio::ip::address_v4::any();
    if (!host.empty()) {
        auto v4 = config::parse_ipv4(host);
        if (!v4) throw std::invalid_argument("'" + text + "': '" + host + "' is not an IPv4 address");
        addr = asio::ip::address_v4(*v4);
    }
    return {addr, static_cast<uint16_t>(std::stol(port))};
}

namespace {

struct Connection : std::enable_shared_from_this<Connection> {
    Connection(tcp::socket s, std::shared_ptr<HttpServer::Shared> sh)
        : sock(std::move(s)), shared(std::move(sh)), timer(sock.get_executor()) {
        ++shared->connections;
    }
    ~Connection() {
        --shared->connections;
        // Out of descriptors, the one this connection frees is the only free slot: kept for the next scrape.
        boost::system::error_code ignored;
        sock.close(ignored);
        shared->reserve->take();
    }

    void start() {
        auto self = shared_from_this();
        timer.expires_after(kDeadline);
        timer.async_wait([self](boost::system::error_code ec) {
            if (ec) return;
            ++self->shared->timeouts;
            boost::system::error_code ignored;
            self->sock.close(ignored);
        });
        parser.header_limit(8 * 1024);
        parser.body_limit(0);
        http::async_read(sock, buf, parser, [self](boost::system::error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read(boost::system::error_code ec) {
        if (ec) {
            if (ec != asio::error::operation_aborted && ec != http::error::end_of_stream) {
                ++shared->bad_requests;
                respond(http::status::bad_request, "bad request: " + ec.message() + "\n", "text/plain");
            }
            return;
        }
        const auto& req = parser.get();
        std::string target(req.target());
        if (req.method() != http::verb::get && req.method() != http::verb::head)
            return respond(http::status::method_not_allowed, "only GET\n", "text/plain");
        if (target == "/metrics" || target.rfind("/metrics?", 0) == 0) {
            auto self = shared_from_this();
            try {
                shared->render([self](HttpServer::Rendered r) {
                    if (!self->sock.is_open()) return;  // the deadline passed meanwhile
                    if (!r.ok) return self->respond(http::status::internal_server_error, r.text + "\n", "text/plain");
                    self->respond(http::status::ok, std::move(r.text), "text/plain; version=0.0.4; charset=utf-8");
                });
            } catch (const std::exception& e) {
                respond(http::status::internal_server_error, std::string(e.what()) + "\n", "text/plain");
            }
            return;
        }
        if (target == "/healthz") return respond(http::status::ok, "ok\n", "text/plain");
        respond(http::status::not_found, "not found: try /metrics or /healthz\n", "text/plain");
    }

    void respond(http::status status, std::string body, const char* type) {
        res.result(status);
        res.version(11);
        res.set(http::field::content_type, type);
        res.set(http::field::connection, "close");
        bool head = parser.is_header_done() && parser.get().method() == http::verb::head;
        res.body() = head ? std::string() : std::move(body);
        res.prepare_payload();
        ++shared->served;
        auto self = shared_from_this();
        http::async_write(sock, res, [self](boost::system::error_code, size_t) {
            self->timer.cancel();
            boost::system::error_code ignored;
            self->sock.shutdown(tcp::socket::shutdown_both, ignored);
        });
    }

    tcp::socket sock;
    std::shared_ptr<HttpServer::Shared> shared;
    asio::steady_timer timer;
    boost::beast::flat_buffer buf;
    http::request_parser<http::empty_body> parser;
    http::response<http::string_body> res;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const std::string& listen, Render render)
    : HttpServer(io, listen, [render = std::move(render)](Body done) { done({true, render()}); }) {}

HttpServer::HttpServer(asio::io_context& io, const std::string& listen, AsyncRender render)
    : acceptor_(io),
      listen_(listen),
      shared_(std::make_shared<Shared>()),
      accept_loop_(acceptor_, "metrics " + listen, [this](tcp::socket s) { serve(std::move(s)); }) {
    shared_->render = std::move(render);
    shared_->reserve = accept_loop_.reserve();
    tcp::endpoint ep;
    try {
        ep = parse_listen(listen);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(e.what());
    }
    boost::system::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(64, ec);
    if (ec) throw std::runtime_error(listen + ": cannot listen: " + ec.message());
    spdlog::info("metrics: serving http://{}:{}/metrics", ep.address().to_string(), port());
    accept_loop_.start();
}

HttpServer::~HttpServer() { close(); }

void HttpServer::close() {
    accept_loop_.stop();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

uint16_t HttpServer::port() const {
    boost::system::error_code ec;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

void HttpServer::serve(tcp::socket s) {
    if (shared_->connections >= kMaxConnections) {
        ++shared_->refused;  // closing it is the answer: the scraper retries at its next interval
        return;
    }
    std::make_shared<Connection>(std::move(s), shared_)->start();
}

nlohmann::json HttpServer::status() const {
    return {{"listen", listen_},
            {"served", shared_->served},
            {"refused", shared_->refused},
            {"bad_requests", shared_->bad_requests},
            {"timeouts", shared_->timeouts},
            {"accept_errors", accept_loop_.errors()},
            {"connections", shared_->connections}};
}

}  // namespace director::metrics
