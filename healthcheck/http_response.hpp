#pragma once
// Incremental HTTP/1.x response reading for HTTP_GET/SSL_GET: the status line, headers, and the body through
// Content-Length, chunked encoding or connection close, read to its end; hashed with MD5 when a digest is
// wanted (as keepalived's `digest` expects), else counted and dropped. Nothing is kept but the headers (capped)
// and the hash, so a hostile server cannot exhaust memory; a body that never ends is the caller's timeout.
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

    // want_body: hash the body for a digest; at most max_body bytes of it then.
    explicit HttpResponseParser(bool want_body, size_t max_body = 1 << 20);
    ~HttpResponseParser();
    HttpResponseParser(const HttpResponseParser&) = delete;
    HttpResponseParser& operator=(const HttpResponseParser&) = delete;

    State feed(const char* data, size_t n);
    // The server closed the connection; completes an until-close body, else it is an error.
    State eof();

    int status() const { return status_; }
    const std::string& error() const { return error_; }
    std::string body_md5_hex() const;  // valid once Done with want_body
    size_t body_size() const { return body_size_; }  // body bytes read so far; with want_body never above max_body

private:
    State fail(std::string why);
    State parse_headers();
    State body(const char* data, size_t n);
    void hash(const char* data, size_t n);
    bool over_limit(size_t more) const;

    enum class Body { None, Length, Chunked, UntilClose };
    enum class Chunk { Size, Data, DataEnd, Trailer };
    bool want_body_;
    size_t max_body_;
    State state_ = State::NeedMore;
    std::string head_;  // header bytes until the blank line, then chunk lines
    bool headers_done_ = false;
    int status_ = 0;
    std::string error_;
    Body mode_ = Body::None;
    Chunk chunk_ = Chunk::Size;
    size_t remaining_ = 0;
    size_t body_size_ = 0;
    struct Md5;
    std::unique_ptr<Md5> md5_;
    mutable std::string digest_hex_;  // computed once, on first request
};

}  // namespace healthcheck
