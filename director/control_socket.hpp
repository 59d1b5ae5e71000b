#pragma once
// The control socket: a Unix stream socket that answers one request line with one JSON document, so
// `director status` (and scripts, with socat) can read the daemon's state without signals or files.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace director {

class ControlServer {
public:
    using Handler = std::function<nlohmann::json(const std::string& request)>;
    // Binds `path` (replacing a stale socket left by a killed run), mode 0600.
    ControlServer(boost::asio::io_context& io, std::string path, Handler handler);
    ~ControlServer();
    void close();

private:
    void accept();

    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::string path_;
    Handler handler_;
};

// Client side: sends `request` and returns the parsed reply; throws std::runtime_error with a message
// naming the socket when the daemon cannot be reached.
nlohmann::json control_request(const std::string& path, const std::string& request);

}  // namespace director
