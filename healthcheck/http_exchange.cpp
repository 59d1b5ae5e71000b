#include "healthcheck/http_exchange.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

namespace healthcheck {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

HttpExchange::HttpExchange(asio::io_context& io, Options o, Done done)
    : opts_(std::move(o)), done_(std::move(done)), parser_(opts_.digest, opts_.max_body, opts_.until) {
    reused_ = opts_.reuse != nullptr;
    conn_ = reused_ ? std::move(opts_.reuse) : std::make_shared<HttpConnection>(io);
}

std::shared_ptr<HttpExchange> HttpExchange::start(asio::io_context& io, Options o, Done done) {
    auto x = std::make_shared<HttpExchange>(io, std::move(o), std::move(done));
    x->run();
    return x;
}

void HttpExchange::abort() {
    finished_ = true;
    release();
    close();
}

// The callbacks usually hold their owner; dropping them once finished breaks that cycle.
void HttpExchange::release() {
    done_ = nullptr;
    opts_.on_phase = nullptr;
    opts_.prepare_tls = nullptr;
}

void HttpExchange::close() { conn_->close(); }

void HttpExchange::phase(const char* name) {
    if (opts_.on_phase) opts_.on_phase(name);
}

void HttpExchange::finish(Failure f, error_code ec) {
    if (finished_) return;
    finished_ = true;
    Done done = std::move(done_);
    release();
    Outcome out;
    out.failure = f;
    out.socket_error = socket_error_;
    out.error = ec;
    out.response = &parser_;
    out.tls = conn_->tls ? &*conn_->tls : nullptr;
    out.reused = reused_;
    out.answered = parser_.started();
    if (f == Failure::None && !opts_.connect_only && parser_.reusable()) {
        ++conn_->responses;
        out.keep = conn_;
    }
    done(out);
    out.keep.reset();
    if (conn_.use_count() == 1) close();  // unless the caller kept it for its next exchange
}

void HttpExchange::run() {
    if (reused_) return send();
    if (auto err = open_and_bind(conn_->sock, opts_.tcp)) {
        socket_error_ = *err;
        return finish(Failure::Socket);
    }
    phase("connect");
    conn_->sock.async_connect(opts_.tcp.endpoint, [x = shared_from_this()](const error_code& ec) {
        if (x->finished_) return;
        if (ec) return x->finish(Failure::Connect, ec);
        if (x->opts_.connect_only) return x->finish(Failure::None);
        if (x->opts_.tls) x->handshake();
        else x->send();
    });
}

void HttpExchange::handshake() {
    auto& tls = conn_->tls.emplace(conn_->sock, *opts_.tls);
    if (opts_.prepare_tls) opts_.prepare_tls(tls);
    phase("tls handshake");
    tls.async_handshake([x = shared_from_this()](const error_code& ec) {
        if (x->finished_) return;
        if (ec) return x->finish(Failure::TlsHandshake, ec);
        x->send();
    });
}

void HttpExchange::send() {
    phase("write request");
    auto h = [x = shared_from_this()](const error_code& ec, size_t) {
        if (x->finished_) return;
        if (ec) return x->finish(Failure::Write, ec);
        x->phase("read response");
        x->read();
    };
    if (conn_->tls) conn_->tls->async_write(asio::buffer(opts_.request), h);
    else asio::async_write(conn_->sock, asio::buffer(opts_.request), h);
}

void HttpExchange::read() {
    auto h = [x = shared_from_this()](const error_code& ec, size_t n) {
        using S = HttpResponseParser::State;
        if (x->finished_) return;
        S st = S::NeedMore;
        if (n > 0) st = x->parser_.feed(x->buf_.data(), n);
        if (st == S::NeedMore && ec) {
            if (ec != asio::error::eof && ec != ssl::error::stream_truncated) return x->finish(Failure::Read, ec);
            st = x->parser_.eof();
        }
        if (st == S::Error) return x->finish(Failure::Response, ec);
        if (st == S::Done) return x->finish(Failure::None);
        x->read();
    };
    if (conn_->tls) conn_->tls->async_read_some(asio::buffer(buf_), h);
    else conn_->sock.async_read_some(asio::buffer(buf_), h);
}

}  // namespace healthcheck
