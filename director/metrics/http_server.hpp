#pragma once
// The metrics endpoint: GET /metrics (Prometheus text format) and GET /healthz (200 "ok" while the event
// loop runs: it is answered from the loop itself). Boost.Beast on the daemon's io_context, one request per
// connection, bounded: small request limits, a 5 s deadline per connection and a cap on connections, so a
// scraper that misbehaves cannot hold the loop or the memory.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "director/accept_loop.hpp"

namespace director::metrics {

// "127.0.0.1:9650" or ":9650" (every address); throws std::invalid_argument saying what is wrong.
boost::asio::ip::tcp::endpoint parse_listen(const std::string& text);

class HttpServer {
public:
    // The /metrics body (ok) or why there is none (a 500 with that text).
    struct Rendered {
        bool ok = false;
        std::string text;
    };
    // `render` hands the body to `done` on the event loop, at once or later (it may be made on another
    // thread); the connection's 5 s deadline keeps running meanwhile. Throwing instead is a 500 too.
    using Body = std::function<void(Rendered)>;
    using AsyncRender = std::function<void(Body done)>;
    // The body made on the loop at once (small documents: `director care`).
    using Render = std::function<std::string()>;
    // Binds at once; throws std::runtime_error "ADDR:PORT: cannot listen: why" when it cannot (in use, not
    // local); the caller adds which setting asked for it.
    HttpServer(boost::asio::io_context& io, const std::string& listen, AsyncRender render);
    HttpServer(boost::asio::io_context& io, const std::string& listen, Render render);
    ~HttpServer();
    void close();
    const std::string& listen() const { return listen_; }
    uint16_t port() const;  // the bound port (for ":0")
    nlohmann::json status() const;

    struct Shared;

private:
    void serve(boost::asio::ip::tcp::socket s);
    boost::asio::ip::tcp::acceptor acceptor_;
    std::string listen_;
    std::shared_ptr<Shared> shared_;
    AcceptLoop<boost::asio::ip::tcp> accept_loop_;
};

}  // namespace director::metrics
