#pragma once
// One HTTP(S) request and its response: over a fresh connection (connect from a bound source when asked,
// TLS handshake over a caller's context) or over one a previous exchange handed back for keep-alive; write
// the request, read the response through HttpResponseParser.
// Used by HTTP_GET/SSL_GET and by lvscare's probe. Callbacks, like the checker base: whoever owns the
// deadline calls abort(), after which `done` never runs. The outcome says where it ended and why, in
// codes rather than words, so each caller keeps its own wording (keepalived's or lvscare's).
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "healthcheck/http_connection.hpp"
#include "healthcheck/http_response.hpp"
#include "healthcheck/tcp_checker.hpp"

namespace healthcheck {

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
public:
    using TlsStream = HttpConnection::TlsStream;

    struct Options {
        TcpTarget tcp;
        std::string request;                           // the bytes sent once connected (and handshaken)
        bool connect_only = false;                     // lvscare's tcp scheme: done once connected
        boost::asio::ssl::context* tls = nullptr;      // set: TLS; must outlive the exchange
        std::function<void(TlsStream&)> prepare_tls;   // SNI, verification, session offer: before the handshake
        bool digest = false;                           // MD5 of the body, at most max_body bytes of it
        size_t max_body = 1 << 20;
        HttpResponseParser::Until until = HttpResponseParser::Until::End;
        std::function<void(const char*)> on_phase;     // "connect", "tls handshake", "write request", "read response"
        std::shared_ptr<HttpConnection> reuse;         // an open connection from an earlier exchange: no connect, no handshake
    };

    enum class Failure { None, Socket, Connect, TlsHandshake, Write, Read, Response };
    struct Outcome {
        Failure failure = Failure::None;
        std::string socket_error;             // Socket: opening or binding the socket
        boost::system::error_code error;      // Connect .. Read; with Response, eof when the peer closed early
        const HttpResponseParser* response = nullptr;  // its status, digest, or (Response) the parse error
        TlsStream* tls = nullptr;                     // the TLS connection, during the callback only; null without TLS
        bool reused = false;                  // it ran over Options::reuse
        bool answered = false;                // some of a response arrived (a reused connection that the
                                              // server had closed fails with nothing)
        std::shared_ptr<HttpConnection> keep; // set when the response allows another request on the connection
    };
    using Done = std::function<void(const Outcome&)>;

    static std::shared_ptr<HttpExchange> start(boost::asio::io_context& io, Options o, Done done);
    // Closes the connection; `done` is not called after this.
    void abort();

    HttpExchange(boost::asio::io_context& io, Options o, Done done);

private:
    void run();
    void handshake();
    void send();
    void read();
    void finish(Failure f, boost::system::error_code ec = {});
    void phase(const char* name);
    void close();
    void release();

    Options opts_;
    Done done_;
    std::shared_ptr<HttpConnection> conn_;
    bool reused_ = false;
    HttpResponseParser parser_;
    std::array<char, 16384> buf_;  // not zeroed: read() fills what it hands on
    std::string socket_error_;
    bool finished_ = false;
};

}  // namespace healthcheck
