#pragma once
// HTTP/1.x response reading for HTTP_GET/SSL_GET, care's probe and the drill, on Boost.Beast's parser:
// bytes go in as a peer sends them, the status (and, for a digest, the body's MD5 as keepalived's
// `digest` expects) come out. The body is read to its end but never kept: it is hashed or dropped, the
// headers are capped, so a hostile server cannot exhaust memory; a body that never ends is the caller's
// timeout.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace healthcheck {

// status_code: single codes and ranges ("200", "200-299"). Empty means any 2xx, as keepalived.
struct StatusCodes {
    std::vector<std::pair<int, int>> ranges;
    bool accepts(int code) const;
    // Parses one "200" or "200-299" word; nullopt when malformed or outside 100..599.
    static std::optional<std::pair<int, int>> parse_word(const std::string& w);
};

class HttpResponseParser {
public:
    enum class State { NeedMore, Done, Error };
    // Header: done once the headers are in (lvscare judges the status alone, as Go's client does).
    enum class Until { End, Header };

    // want_body: hash the body for a digest; at most max_body bytes of it then.
    explicit HttpResponseParser(bool want_body, size_t max_body = 1 << 20, Until until = Until::End);
    ~HttpResponseParser();
    HttpResponseParser(const HttpResponseParser&) = delete;
    HttpResponseParser& operator=(const HttpResponseParser&) = delete;

    State feed(const char* data, size_t n);
    // The server closed the connection; completes an until-close body, else it is an error.
    State eof();

    int status() const { return status_; }
    // Some of a response has arrived.
    bool started() const { return !first_line_.empty(); }
    // Done with a whole response whose end was not the connection's (Content-Length or chunked), the server
    // keeps the connection open (HTTP/1.1 without `Connection: close`, or 1.0 with `keep-alive`), and it
    // sent nothing after it: the connection may carry another request.
    bool reusable() const;
    const std::string& error() const { return error_; }
    std::string first_line() const;  // the status line as received (up to 1 KiB), for errors
    std::string body_md5_hex() const;  // valid once Done with want_body

private:
    struct Impl;
    State fail(std::string why);
    State fail_status_line();
    State on_progress();
    bool head_refused();

    std::unique_ptr<Impl> impl_;
    size_t max_body_;
    Until until_;
    State state_ = State::NeedMore;
    int status_ = 0;
    std::string error_;
    std::string first_line_;        // the stream's first bytes, through the first LF
    bool first_line_done_ = false;
    bool bad_status_line_ = false;  // decided, reported once the line is whole
};

}  // namespace healthcheck
