#include "healthcheck/http_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <openssl/evp.h>

namespace healthcheck {

bool StatusCodes::accepts(int code) const {
    if (ranges.empty()) return code >= 200 && code <= 299;
    return std::any_of(ranges.begin(), ranges.end(), [&](auto& r) { return code >= r.first && code <= r.second; });
}

std::optional<std::pair<int, int>> StatusCodes::parse_word(const std::string& w) {
    auto num = [](const std::string& s) -> std::optional<int> {
        int v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v < 100 || v > 599) return std::nullopt;
        return v;
    };
    auto dash = w.find('-');
    if (dash == std::string::npos) {
        auto v = num(w);
        if (!v) return std::nullopt;
        return std::make_pair(*v, *v);
    }
    auto lo = num(w.substr(0, dash)), hi = num(w.substr(dash + 1));
    if (!lo || !hi || *lo > *hi) return std::nullopt;
    return std::make_pair(*lo, *hi);
}

struct HttpResponseParser::Md5 {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Md5() { EVP_MD_CTX_free(ctx); }
};

namespace {
constexpr size_t kMaxHead = 64 * 1024;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
}  // namespace

HttpResponseParser::HttpResponseParser(bool want_body, size_t max_body) : want_body_(want_body), max_body_(max_body) {
    if (want_body_) {
        md5_ = std::make_unique<Md5>();
        EVP_DigestInit_ex(md5_->ctx, EVP_md5(), nullptr);
    }
}

HttpResponseParser::~HttpResponseParser() = default;

HttpResponseParser::State HttpResponseParser::fail(std::string why) {
    error_ = std::move(why);
    return state_ = State::Error;
}

void HttpResponseParser::hash(const char* data, size_t n) {
    body_size_ += n;
    if (md5_) EVP_DigestUpdate(md5_->ctx, data, n);
}

bool HttpResponseParser::over_limit(size_t more) const { return want_body_ && body_size_ + more > max_body_; }

HttpResponseParser::State HttpResponseParser::feed(const char* data, size_t n) {
    if (state_ != State::NeedMore) return state_;
    if (!headers_done_) {
        size_t old = head_.size();
        head_.append(data, std::min(n, kMaxHead + 4 - std::min(old, kMaxHead + 4)));
        auto end = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
        if (end == std::string::npos) {
            if (head_.size() > kMaxHead) return fail("response headers too large");
            return state_;
        }
        size_t consumed = end + 4 - old;  // bytes of this chunk that belonged to the head
        head_.resize(end + 2);
        if (parse_headers() != State::NeedMore) return state_;
        head_.clear();
        return body(data + consumed, n - consumed);
    }
    return body(data, n);
}

HttpResponseParser::State HttpResponseParser::parse_headers() {
    headers_done_ = true;
    auto eol = head_.find("\r\n");
    std::string line = head_.substr(0, eol);
    // "HTTP/1.1 200 OK"
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12 || line[8] != ' ')
        return fail("malformed status line '" + line.substr(0, 40) + "'");
    int code = 0;
    auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, code);
    if (ec != std::errc() || p != line.data() + 12 || code < 100 || code > 599)
        return fail("malformed status line '" + line.substr(0, 40) + "'");
    status_ = code;
    // The body is read to its end even without a digest, as keepalived does: a response is only complete
    // then, and a server streaming forever fails by the check's timeout instead of passing.
    mode_ = Body::UntilClose;
    size_t pos = eol + 2;
    while (pos < head_.size()) {
        size_t e = head_.find("\r\n", pos);
        std::string h = head_.substr(pos, e - pos);
        pos = e + 2;
        auto colon = h.find(':');
        if (colon == std::string::npos) continue;
        std::string name = lower(trim(h.substr(0, colon))), value = trim(h.substr(colon + 1));
        if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) {
            mode_ = Body::Chunked;
            chunk_ = Chunk::Size;
        } else if (name == "content-length" && mode_ != Body::Chunked) {
            size_t len = 0;
            auto [q, err] = std::from_chars(value.data(), value.data() + value.size(), len);
            if (err != std::errc() || q != value.data() + value.size()) return fail("bad Content-Length");
            if (want_body_ && len > max_body_) return fail("body larger than " + std::to_string(max_body_) + " bytes");
            mode_ = Body::Length;
            remaining_ = len;
        }
    }
    if (code == 204 || code == 304 || (mode_ == Body::Length && remaining_ == 0)) mode_ = Body::None;
    if (mode_ == Body::None) return state_ = State::Done;
    return state_;
}

HttpResponseParser::State HttpResponseParser::body(const char* data, size_t n) {
    if (state_ != State::NeedMore) return state_;
    switch (mode_) {
        case Body::None: return state_ = State::Done;
        case Body::UntilClose:
            if (over_limit(n)) return fail("body larger than " + std::to_string(max_body_) + " bytes");
            hash(data, n);
            return state_;
        case Body::Length: {
            size_t take = std::min(n, remaining_);
            hash(data, take);
            remaining_ -= take;
            if (remaining_ == 0) state_ = State::Done;
            return state_;
        }
        case Body::Chunked: break;
    }
    size_t i = 0;
    while (i < n && state_ == State::NeedMore) {
        if (chunk_ == Chunk::Data) {
            size_t take = std::min(n - i, remaining_);
            if (over_limit(take)) return fail("body larger than " + std::to_string(max_body_) + " bytes");
            hash(data + i, take);
            i += take;
            remaining_ -= take;
            if (remaining_ == 0) chunk_ = Chunk::DataEnd;
            continue;
        }
        // Size lines, the CRLF after data, and trailers are line-based.
        head_ += data[i++];
        if (head_.size() > 1024) return fail("malformed chunked encoding");
        if (head_.size() < 2 || head_.compare(head_.size() - 2, 2, "\r\n") != 0) continue;
        std::string line = head_.substr(0, head_.size() - 2);
        head_.clear();
        if (chunk_ == Chunk::DataEnd) {
            if (!line.empty()) return fail("malformed chunked encoding");
            chunk_ = Chunk::Size;
        } else if (chunk_ == Chunk::Size) {
            std::string hex = trim(line.substr(0, line.find(';')));
            size_t len = 0;
            auto [q, err] = std::from_chars(hex.data(), hex.data() + hex.size(), len, 16);
            if (hex.empty() || err != std::errc() || q != hex.data() + hex.size()) return fail("malformed chunk size");
            if (len == 0) {
                chunk_ = Chunk::Trailer;
            } else {
                remaining_ = len;
                chunk_ = Chunk::Data;
            }
        } else if (line.empty()) {  // Trailer section ends with an empty line
            state_ = State::Done;
        }
    }
    return state_;
}

HttpResponseParser::State HttpResponseParser::eof() {
    if (state_ != State::NeedMore) return state_;
    if (!headers_done_) return fail(head_.empty() ? "connection closed without a response" : "truncated response headers");
    if (mode_ == Body::UntilClose) return state_ = State::Done;
    return fail("connection closed in the middle of the body");
}

std::string HttpResponseParser::body_md5_hex() const {
    if (!md5_) return {};
    if (digest_hex_.empty()) {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_MD_CTX* copy = EVP_MD_CTX_new();
        EVP_MD_CTX_copy_ex(copy, md5_->ctx);
        EVP_DigestFinal_ex(copy, out, &len);
        EVP_MD_CTX_free(copy);
        static const char* hex = "0123456789abcdef";
        std::string s;
        for (unsigned i = 0; i < len; ++i) {
            s += hex[out[i] >> 4];
            s += hex[out[i] & 15];
        }
        digest_hex_ = s;
    }
    return digest_hex_;
}

}  // namespace healthcheck
