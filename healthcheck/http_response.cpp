#include "healthcheck/http_response.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string_view>
#include <openssl/evp.h>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace healthcheck {

namespace http = boost::beast::http;
using boost::system::error_code;

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

namespace {

constexpr size_t kMaxHead = 64 * 1024;     // the head before its blank line; a chunk line or trailers
constexpr size_t kMaxFirstLine = 1024;     // kept for error texts only

// A Beast body that keeps nothing: it hashes what the parser hands it when a digest is wanted, else drops
// it. Beast's body_limit bounds it.
struct DigestBody {
    struct value_type {
        EVP_MD_CTX* md5 = nullptr;  // owned by the parser's Impl
    };
    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>&, value_type& v) : v_(v) {}
        void init(const boost::optional<std::uint64_t>&, error_code& ec) { ec = {}; }
        template <class Buffers>
        std::size_t put(const Buffers& buffers, error_code& ec) {
            ec = {};
            std::size_t n = 0;
            for (auto b : boost::beast::buffers_range_ref(buffers)) {
                if (v_.md5) EVP_DigestUpdate(v_.md5, b.data(), b.size());
                n += b.size();
            }
            return n;
        }
        void finish(error_code& ec) { ec = {}; }

    private:
        value_type& v_;
    };
};

}  // namespace

struct HttpResponseParser::Impl {
    http::response_parser<DigestBody> parser;
    EVP_MD_CTX* md5 = nullptr;
    std::string pending;   // bytes Beast asked to see again with more: an unfinished header, chunk line or trailer
    size_t consumed = 0;   // bytes Beast has taken; 0 while the status line is not parsed
    size_t head_searched = 0;  // pending holds no header end before this
    mutable std::string digest_hex;
    ~Impl() { EVP_MD_CTX_free(md5); }
};

HttpResponseParser::HttpResponseParser(bool want_body, size_t max_body, Until until)
    : impl_(std::make_unique<Impl>()), max_body_(max_body), until_(until) {
    auto& p = impl_->parser;
    p.header_limit(static_cast<std::uint32_t>(kMaxHead + 4));  // the blank line's CRLFs on top, as before
    // The digest's size cap does not apply to a body that is only drained. Not boost::none: Boost 1.74's
    // parser compares a Content-Length with it and then fails every response that has one.
    p.body_limit(want_body ? std::uint64_t{max_body} : std::numeric_limits<std::uint64_t>::max());
    p.eager(until == Until::End);
    if (want_body) {
        impl_->md5 = EVP_MD_CTX_new();
        EVP_DigestInit_ex(impl_->md5, EVP_md5(), nullptr);
        p.get().body().md5 = impl_->md5;
    }
}

HttpResponseParser::~HttpResponseParser() = default;

HttpResponseParser::State HttpResponseParser::fail(std::string why) {
    error_ = std::move(why);
    return state_ = State::Error;
}

namespace {

// Whether Beast refuses this start of a response in its status line, rather than waiting for more of it.
bool refuses_status_line(const std::string& start) {
    http::response_parser<http::empty_body> p;
    error_code ec;
    p.put(boost::asio::const_buffer(start.data(), start.size()), ec);
    return ec && ec != http::error::need_more;
}

// Whether a whole first line (through its LF) is a status line Beast accepts: alone before a blank line,
// it must make a complete head. (Beast reads at least 8 bytes before judging, so a short line needs this.)
bool good_status_line(const std::string& line) {
    http::response_parser<http::empty_body> p;
    error_code ec;
    std::string head = line + "\r\n";
    p.put(boost::asio::const_buffer(head.data(), head.size()), ec);
    return !ec && p.is_header_done();
}

std::string describe(const error_code& ec, size_t max_body) {
    if (ec == http::error::bad_content_length) return "bad Content-Length";
    if (ec == http::error::body_limit) return "body larger than " + std::to_string(max_body) + " bytes";
    if (ec == http::error::bad_chunk) return "malformed chunk size";
    if (ec == http::error::bad_chunk_extension) return "malformed chunked encoding";
    return "malformed response headers (" + ec.message() + ")";
}

// Whether Beast, at this chunk line, is reading a quoted chunk extension (or an escape in one) past the
// line's end. Boost 1.74 looks for the closing quote anywhere in the bytes it has, so an unterminated one
// waits for bytes that can never make the line valid, and every retry charges the chunk's size to the body
// limit again: the outcome would depend on how the peer split its bytes. Beast's own scanner is run on the
// line alone; it asks for more only where the real one ran past the line. `rest` starts where Beast is: at
// the previous chunk's CRLF or at the line.
bool quoted_extension_runs_past_the_line(std::string_view rest) {
    using base = http::detail::basic_parser_base;  // Boost 1.74's chunk-line helpers, as the parser uses them
    if (rest.substr(0, 2) == "\r\n") rest.remove_prefix(2);
    error_code ec;
    const char* eol = base::find_eol(rest.data(), rest.data() + rest.size(), ec);
    if (ec || !eol) return false;  // the line is not all here yet (and parse_hex reads up to its CR)
    const char* p = rest.data();
    std::uint64_t size = 0;
    if (!base::parse_hex(p, size)) return false;  // a bad size: Beast refuses it itself
    base::parse_chunk_extensions(p, eol, ec);
    return ec == http::error::need_more;
}

}  // namespace

HttpResponseParser::State HttpResponseParser::feed(const char* data, size_t n) {
    if (state_ != State::NeedMore) return state_;
    if (!first_line_done_) {
        // Judged once the line is whole, not at the blank line: a server that greets with something else
        // and waits (SSH) fails now rather than by the timeout; and the quote never depends on the split.
        first_line_.append(data, std::min(n, kMaxFirstLine - first_line_.size()));
        auto lf = first_line_.find('\n');
        if (lf != std::string::npos) first_line_.resize(lf + 1);
        first_line_done_ = lf != std::string::npos || first_line_.size() == kMaxFirstLine;
        if (lf != std::string::npos ? !good_status_line(first_line_) : first_line_done_ && refuses_status_line(first_line_))
            bad_status_line_ = true;
    }
    if (bad_status_line_) return first_line_done_ ? fail_status_line() : state_;
    auto& p = impl_->parser;
    std::string& pending = impl_->pending;
    // Beast needs a header (and a chunk line) in one piece: what it left is handed again with the new bytes.
    if (!pending.empty()) pending.append(data, n);
    const char* in = pending.empty() ? data : pending.data();
    size_t size = pending.empty() ? n : pending.size(), used = 0;
    // The header goes to Beast whole: given it in pieces, Beast judges a bad field at once or only at the
    // blank line depending on the split.
    if (!p.is_header_done()) {
        auto end = std::string_view(in, size).find("\r\n\r\n", impl_->head_searched);
        if (end == std::string_view::npos || end > kMaxHead) {
            if (size > kMaxHead) return fail("response headers too large");
            if (pending.empty()) pending.assign(data, n);
            impl_->head_searched = size < 3 ? 0 : size - 3;
            return state_;
        }
    }
    while (used < size && !p.is_done()) {
        error_code ec;
        size_t k = p.put(boost::asio::const_buffer(in + used, size - used), ec);
        used += k;
        impl_->consumed += k;
        if (ec == http::error::need_more) {
            if (!p.is_header_done() || !p.chunked() ||
                !quoted_extension_runs_past_the_line(std::string_view(in + used, size - used)))
                break;
            ec = http::error::bad_chunk_extension;
        }
        if (ec && impl_->consumed == 0) return fail_status_line();
        if (ec) {
            if (p.is_header_done() && head_refused()) return state_;
            return fail(describe(ec, max_body_));
        }
        if (p.is_header_done() && until_ == Until::Header) break;
        if (k == 0) break;
    }
    if (pending.empty()) pending.assign(in + used, size - used);
    else pending.erase(0, used);
    if (pending.size() > kMaxHead) return fail("malformed chunked encoding");
    return on_progress();
}

HttpResponseParser::State HttpResponseParser::fail_status_line() {
    return fail("malformed status line '" + first_line().substr(0, 40) + "'");
}

std::string HttpResponseParser::first_line() const { return first_line_.substr(0, first_line_.find_first_of("\r\n")); }

// What is due once the head is in, before anything of the body (a stream split after the head meets it
// first): the status, a status HTTP does not have, and a declared body over the digest limit, which Boost
// 1.74's parser lets through (its comparison with the optional limit is wrong).
bool HttpResponseParser::head_refused() {
    auto& p = impl_->parser;
    status_ = static_cast<int>(p.get().result_int());
    if (status_ < 100 || status_ > 599) {
        status_ = 0;
        fail_status_line();
        return true;
    }
    bool has_body = status_ / 100 != 1 && status_ != 204 && status_ != 304;
    if (impl_->md5 && until_ == Until::End && has_body && p.content_length() && *p.content_length() > max_body_) {
        fail("body larger than " + std::to_string(max_body_) + " bytes");
        return true;
    }
    return false;
}

HttpResponseParser::State HttpResponseParser::on_progress() {
    auto& p = impl_->parser;
    if (!p.is_header_done() || head_refused()) return state_;
    if (p.is_done() || until_ == Until::Header) return state_ = State::Done;
    return state_;
}

bool HttpResponseParser::reusable() const {
    const auto& p = impl_->parser;
    return state_ == State::Done && until_ == Until::End && p.is_done() && p.keep_alive() &&
           impl_->pending.empty();
}

HttpResponseParser::State HttpResponseParser::eof() {
    if (state_ != State::NeedMore) return state_;
    auto& p = impl_->parser;
    if (!p.is_header_done()) {
        if (bad_status_line_ || refuses_status_line(first_line_)) return fail_status_line();
        return fail(impl_->pending.empty() ? "connection closed without a response" : "truncated response headers");
    }
    error_code ec;
    p.put_eof(ec);
    if (ec) return fail("connection closed in the middle of the body");
    return on_progress();
}

std::string HttpResponseParser::body_md5_hex() const {
    if (!impl_->md5) return {};
    if (impl_->digest_hex.empty()) {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_MD_CTX* copy = EVP_MD_CTX_new();
        EVP_MD_CTX_copy_ex(copy, impl_->md5);
        EVP_DigestFinal_ex(copy, out, &len);
        EVP_MD_CTX_free(copy);
        static const char* hex = "0123456789abcdef";
        std::string s;
        for (unsigned i = 0; i < len; ++i) {
            s += hex[out[i] >> 4];
            s += hex[out[i] & 15];
        }
        impl_->digest_hex = s;
    }
    return impl_->digest_hex;
}

}  // namespace healthcheck
