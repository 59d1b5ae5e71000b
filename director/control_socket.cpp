#include "director/control_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <filesystem>
#include <map>
#include <spdlog/spdlog.h>

namespace director {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

struct ControlServer::Shared {
    std::string path;
    Handler handler;
    std::map<std::string, ControlServer::DeferredHandler> deferred;
    std::map<std::string, ControlServer::DeferredTextHandler> deferred_text;
    ControlLimits limits;
    ControlCounters counters;
    // The accept loop's: lets a client in once health checks have used up the open-files limit.
    std::shared_ptr<DescriptorReserve> reserve;
};

std::string dump_json(const nlohmann::json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string error_line(const std::string& msg) { return dump_json({{"error", msg}}) + "\n"; }

// One connection: read a request line, write the JSON reply, close. All I/O is async, so a slow client
// never blocks another; the timer drops one that stalls in either direction.
struct Session : std::enable_shared_from_this<Session> {
    Session(stream::socket s, std::shared_ptr<ControlServer::Shared> sh)
        : sock(std::move(s)), shared(std::move(sh)), timer(sock.get_executor()), buf(shared->limits.max_request) {
        ++shared->counters.clients;
    }
    ~Session() {
        --shared->counters.clients;
        // Out of descriptors, the one this session frees is the only free slot: keep it for the next
        // client before a health check takes it.
        boost::system::error_code ignored;
        sock.close(ignored);
        shared->reserve->take();
    }

    void start() {
        arm_timer();
        auto self = shared_from_this();
        asio::async_read_until(sock, buf, '\n',
                               [self](boost::system::error_code ec, size_t n) { self->on_read(ec, n); });
    }

    void on_read(boost::system::error_code ec, size_t n) {
        if (ec == asio::error::not_found) {  // the buffer filled up before a newline came
            ++shared->counters.oversize;
            spdlog::warn("control socket {}: refused a request longer than {} bytes", shared->path,
                         shared->limits.max_request);
            return reply(error_line("request longer than " + std::to_string(shared->limits.max_request) + " bytes"));
        }
        if (ec && ec != asio::error::eof) return;  // dropped by the idle timer, or the client went away
        if (ec && buf.size() == 0) return;         // closed without asking anything
        // At EOF the request is whatever came, newline or not (`printf status | socat - UNIX:...`).
        std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + (ec ? buf.size() : n));
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        // "reload", or "switchover {json arguments}": the first word picks the deferred handler.
        const std::string word = line.substr(0, line.find(' '));
        if (auto it = shared->deferred.find(word); it != shared->deferred.end()) {
            ControlServer::DeferredHandler& handler = it->second;
            return serve_later([&handler, &line](const std::shared_ptr<Session>& self, const std::shared_ptr<bool>& answered) {
                handler(line, [self, answered](const nlohmann::json& j) { self->answer(*answered, dump_json(j)); });
            });
        }
        if (auto it = shared->deferred_text.find(word); it != shared->deferred_text.end()) {
            ControlServer::DeferredTextHandler& handler = it->second;
            return serve_later([&handler, &line](const std::shared_ptr<Session>& self, const std::shared_ptr<bool>& answered) {
                handler(line, [self, answered](std::string text) { self->answer(*answered, std::move(text)); });
            });
        }
        reply(serve(line));
    }

    // The one reply of a deferred request, whoever gives it first.
    void answer(bool& answered, std::string text) {
        if (std::exchange(answered, true)) return;
        ++shared->counters.served;
        text += '\n';
        reply(std::move(text));
    }

    template <class Call>
    void serve_later(Call&& call) {
        timer.cancel();
        auto self = shared_from_this();
        auto answered = std::make_shared<bool>(false);
        try {
            call(self, answered);
        } catch (const std::exception& e) {
            ++shared->counters.handler_errors;
            spdlog::warn("control socket {}: request failed: {}", shared->path, e.what());
            if (!std::exchange(*answered, true)) reply(error_line(e.what()));
        }
    }

    std::string serve(const std::string& line) {
        try {
            auto text = dump_json(shared->handler(line)) + "\n";
            ++shared->counters.served;
            return text;
        } catch (const std::exception& e) {
            ++shared->counters.handler_errors;
            spdlog::warn("control socket {}: request failed: {}", shared->path, e.what());
            return error_line(e.what());
        }
    }

    void reply(std::string text) {
        out = std::move(text);
        arm_timer();  // a client that never reads its reply is dropped as well
        auto self = shared_from_this();
        asio::async_write(sock, asio::buffer(out), [self](boost::system::error_code, size_t) {
            self->timer.cancel();
            boost::system::error_code ignored;
            self->sock.shutdown(stream::socket::shutdown_both, ignored);
        });
    }

    void arm_timer() {
        timer.expires_after(shared->limits.idle_timeout);
        std::weak_ptr<Session> weak = shared_from_this();
        timer.async_wait([weak](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self) return;
            ++self->shared->counters.idle_timeouts;
            spdlog::info("control socket {}: dropped a client idle for {} ms", self->shared->path,
                         self->shared->limits.idle_timeout.count());
            boost::system::error_code ignored;
            self->sock.close(ignored);  // completes the pending read or write with an error
        });
    }

    stream::socket sock;
    std::shared_ptr<ControlServer::Shared> shared;
    asio::steady_timer timer;
    asio::streambuf buf;
    std::string out;
};

// A socket file left by a killed run is replaced; anything else at the path is not ours to delete.
void remove_stale_socket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw std::runtime_error("control socket " + path + ": " + std::strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode))
        throw std::runtime_error("control socket " + path + " exists and is not a socket; refusing to replace it");
    asio::io_context io;
    stream::socket probe(io);
    boost::system::error_code ec;
    probe.connect(stream::endpoint(path), ec);
    if (!ec)
        throw std::runtime_error("another process answers on control socket " + path +
                                 "; give each director its own --control-socket");
    ::unlink(path.c_str());
}

void check_path_length(const std::string& path) {
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        throw std::runtime_error("control socket path " + path + " is longer than " +
                                 std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler, ControlLimits limits)
    : acceptor_(io),
      path_(std::move(path)),
      shared_(std::make_shared<Shared>()),
      accept_loop_(acceptor_, "control socket " + path_, [this](stream::socket s) { serve(std::move(s)); }) {
    shared_->path = path_;
    shared_->reserve = accept_loop_.reserve();
    shared_->handler = std::move(handler);
    shared_->limits = limits;
    check_path_length(path_);
    auto dir = std::filesystem::path(path_).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    remove_stale_socket(path_);
    acceptor_.open(stream());
    // bind() creates the file with 0777 & ~umask: under umask 0177 it is born 0600, with no moment in
    // which another user could connect. Nothing else runs yet, so the process-wide umask is ours to borrow.
    mode_t old = ::umask(0177);
    boost::system::error_code ec;
    acceptor_.bind(stream::endpoint(path_), ec);
    ::umask(old);
    if (ec) throw std::runtime_error("control socket " + path_ + ": bind: " + ec.message());
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0 || (st.st_mode & 07777) != 0600) {
        close();
        throw std::runtime_error("control socket " + path_ + ": not created with mode 0600");
    }
    acceptor_.listen();
    accept_loop_.start();
}

ControlServer::~ControlServer() { close(); }

void ControlServer::close() {
    accept_loop_.stop();
    if (!acceptor_.is_open()) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    ::unlink(path_.c_str());
}

void ControlServer::defer(const std::string& request, DeferredHandler handler) {
    shared_->deferred[request] = std::move(handler);
}

void ControlServer::defer_text(const std::string& request, DeferredTextHandler handler) {
    shared_->deferred_text[request] = std::move(handler);
}

nlohmann::json ControlServer::status() const {
    const auto& c = shared_->counters;
    const auto& l = shared_->limits;
    return {{"path", path_},
            {"clients", c.clients},
            {"accepted", c.accepted},
            {"served", c.served},
            {"refused_peer", c.refused_peer},
            {"refused_busy", c.refused_busy},
            {"idle_timeouts", c.idle_timeouts},
            {"oversize", c.oversize},
            {"handler_errors", c.handler_errors},
            {"accept_errors", accept_loop_.errors()},
            {"limits",
             {{"idle_timeout_ms", l.idle_timeout.count()},
              {"max_request_bytes", l.max_request},
              {"max_clients", l.max_clients}}}};
}

void ControlServer::serve(stream::socket s) {
    auto& c = shared_->counters;
    ++c.accepted;
    if (c.clients >= shared_->limits.max_clients) {
        ++c.refused_busy;
        spdlog::warn("control socket {}: {} clients connected; refused one more", path_, c.clients);
        auto line = error_line("busy: " + std::to_string(c.clients) + " clients connected; try again");
        // Best effort and never blocking: the point is to let go of the connection at once.
        (void)::send(s.native_handle(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        return;
    }
    // The socket's mode already keeps other users out; SO_PEERCRED makes that hold even if the mode
    // was loosened or a connected descriptor was handed on.
    ucred cred{};
    socklen_t len = sizeof cred;
    bool known = ::getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0;
    auto session = std::make_shared<Session>(std::move(s), shared_);
    if (!known || (cred.uid != 0 && cred.uid != ::geteuid())) {
        ++c.refused_peer;
        spdlog::warn("control socket {}: refused a client with uid {} (pid {}): only root and uid {} are served",
                     path_, known ? std::to_string(cred.uid) : "?", cred.pid, ::geteuid());
        session->reply(error_line("permission denied: only root and uid " + std::to_string(::geteuid()) +
                                  " may use this socket"));
    } else {
        session->start();
    }
}

nlohmann::json control_request(const std::string& path, const std::string& request,
                               std::chrono::milliseconds timeout) {
    check_path_length(path);
    asio::io_context io;
    stream::socket sock(io);
    asio::streambuf buf;
    const std::string out = request + "\n";
    boost::system::error_code connect_ec, read_ec;
    bool done = false;
    sock.async_connect(stream::endpoint(path), [&](boost::system::error_code ec) {
        if (ec) {
            connect_ec = ec;
            done = true;
            return;
        }
        // A write error is not final: a daemon that refuses us (busy, permission) has already sent why.
        asio::async_write(sock, asio::buffer(out), [&](boost::system::error_code, size_t) {
            asio::async_read_until(sock, buf, '\n', [&](boost::system::error_code ec, size_t) {
                read_ec = ec;
                done = true;
            });
        });
    });
    io.run_for(timeout);
    if (connect_ec) throw std::runtime_error("cannot reach the director at " + path + ": " + connect_ec.message());
    if (!done)
        throw std::runtime_error("no reply from the director at " + path + " within " +
                                 std::to_string(timeout.count()) + " ms");
    if (buf.size() == 0)
        throw std::runtime_error("reading from " + path + ": " +
                                 (read_ec ? read_ec.message() : std::string("empty reply")));
    std::string text(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    try {
        return nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        throw std::runtime_error("bad reply from " + path + ": " + e.what());
    }
}

}  // namespace director
