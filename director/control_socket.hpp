#pragma once
// The control socket: a Unix stream socket that answers one request line with one JSON document, so
// `director status` (and scripts, with socat) can read the daemon's state without signals or files.
// It will carry state-changing requests too, so it is guarded: created 0600 (never briefly wider), only
// root and the daemon's own uid are served (SO_PEERCRED), and a client cannot hold a slot forever.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "director/accept_loop.hpp"

namespace director {

struct ControlLimits {
    // A client that has not finished its request line (or not read its reply) by then is dropped.
    std::chrono::milliseconds idle_timeout{5000};
    size_t max_request = 64 * 1024;  // bytes, newline included
    size_t max_clients = 32;         // connections served at once; more are refused at once
};

struct ControlCounters {
    uint64_t accepted = 0, served = 0, refused_peer = 0, refused_busy = 0, idle_timeouts = 0, oversize = 0,
             handler_errors = 0;
    size_t clients = 0;  // connected now
};

class ControlServer {
public:
    using Handler = std::function<nlohmann::json(const std::string& request)>;
    // A request answered later (a reload, once it has finished): the handler gets `reply` to call once.
    // The idle timeout does not run while the daemon, not the client, is the one taking its time.
    using Reply = std::function<void(const nlohmann::json&)>;
    using DeferredHandler = std::function<void(const std::string& request, Reply reply)>;
    // Binds `path` mode 0600. A stale socket left by a killed run is replaced; a path that is not a
    // socket, or a socket another process still answers on, is refused with std::runtime_error.
    ControlServer(boost::asio::io_context& io, std::string path, Handler handler, ControlLimits limits = {});
    ~ControlServer();
    void close();
    // Requests whose first word is `request` ("reload", "switchover {...}") go to `handler` instead of the
    // Handler, with the whole line.
    void defer(const std::string& request, DeferredHandler handler);
    // The same for a reply serialized elsewhere (one JSON document, without the newline): a large
    // document is dumped off the event loop and only its text comes back to be written.
    using TextReply = std::function<void(std::string json_text)>;
    using DeferredTextHandler = std::function<void(const std::string& request, TextReply reply)>;
    void defer_text(const std::string& request, DeferredTextHandler handler);
    // Counters and limits, for `director status`.
    nlohmann::json status() const;

    struct Shared;

private:
    void serve(boost::asio::local::stream_protocol::socket s);

    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::string path_;
    std::shared_ptr<Shared> shared_;  // outlives the server while sessions still run
    AcceptLoop<boost::asio::local::stream_protocol> accept_loop_;
};

// JSON text that is always valid UTF-8: invalid bytes in strings (an instance name in Latin-1, a request
// with a 0xff byte) become U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& j, int indent = -1);

// Client side: sends `request` and returns the parsed reply; throws std::runtime_error with a message
// naming the socket when the daemon cannot be reached or does not answer within `timeout`.
nlohmann::json control_request(const std::string& path, const std::string& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace director
