#include "director/control_socket.hpp"

#include <sys/stat.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <spdlog/spdlog.h>

namespace director {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

namespace {

// One connection: read a request line, write the JSON reply, close. Requests are tiny; a client that
// sends nothing is dropped when it closes, and never blocks other clients because all I/O is async.
struct Session : std::enable_shared_from_this<Session> {
    Session(stream::socket s, ControlServer::Handler& h) : sock(std::move(s)), handler(h) {}
    void start() {
        auto self = shared_from_this();
        asio::async_read_until(sock, buf, '\n', [self](boost::system::error_code ec, size_t n) {
            if (ec && ec != asio::error::eof) return;
            std::string line(asio::buffers_begin(self->buf.data()), asio::buffers_begin(self->buf.data()) + n);
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
            nlohmann::json reply;
            try {
                reply = self->handler(line);
            } catch (const std::exception& e) {
                reply = {{"error", e.what()}};
            }
            self->out = reply.dump() + "\n";
            asio::async_write(self->sock, asio::buffer(self->out), [self](boost::system::error_code, size_t) {
                boost::system::error_code ignored;
                self->sock.shutdown(stream::socket::shutdown_both, ignored);
            });
        });
    }
    stream::socket sock;
    ControlServer::Handler& handler;
    asio::streambuf buf{64 * 1024};
    std::string out;
};

}  // namespace

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler)
    : acceptor_(io), path_(std::move(path)), handler_(std::move(handler)) {
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
    ::unlink(path_.c_str());  // a socket file left by a killed run would make bind fail
    acceptor_.open(stream());
    acceptor_.bind(stream::endpoint(path_));
    ::chmod(path_.c_str(), 0600);
    acceptor_.listen();
    accept();
}

ControlServer::~ControlServer() { close(); }

void ControlServer::close() {
    if (!acceptor_.is_open()) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    ::unlink(path_.c_str());
}

void ControlServer::accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, stream::socket s) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!ec) std::make_shared<Session>(std::move(s), handler_)->start();
        else spdlog::warn("control socket {}: accept: {}", path_, ec.message());
        accept();
    });
}

nlohmann::json control_request(const std::string& path, const std::string& request) {
    asio::io_context io;
    stream::socket sock(io);
    boost::system::error_code ec;
    sock.connect(stream::endpoint(path), ec);
    if (ec) throw std::runtime_error("cannot reach the director at " + path + ": " + ec.message());
    asio::write(sock, asio::buffer(request + "\n"), ec);
    asio::streambuf buf;
    asio::read_until(sock, buf, '\n', ec);
    if (ec && ec != asio::error::eof) throw std::runtime_error("reading from " + path + ": " + ec.message());
    std::string text(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    try {
        return nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        throw std::runtime_error("bad reply from " + path + ": " + e.what());
    }
}

}  // namespace director
