#include "healthcheck/http_response.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <openssl/evp.h>

#include <boost/beast/core/buffers_range.hpp>
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

constexpr size_t kMaxHead = 64 * 1024;     // headers, and a chunk line or trailers waiting for their end
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
    mutable std::string digest_hex;
    ~Impl() { EVP_MD_CTX_free(md5); }
};

HttpResponseParser::HttpResponseParser(bool want_body, size_t max_body, Until until)
    : impl_(std::make_unique<Impl>()), max_body_(max_body), until_(until) {
    auto& p = impl_->parser;
    p.header_limit(static_cast<std::uint32_t>(kMaxHead));
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

std::string describe(const error_code& ec, bool status_line_parsed, const std::string& first_line, size_t max_body) {
    if (ec == http::error::header_limit) return "response headers too large";
    if (!status_line_parsed) return "malformed status line '" + first_line.substr(0, 40) + "'";
    if (ec == http::error::bad_content_length) return "bad Content-Length";
    if (ec == http::error::body_limit) return "body larger than " + std::to_string(max_body) + " bytes";
    if (ec == http::error::bad_chunk) return "malformed chunk size";
    if (ec == http::error::bad_chunk_extension) return "malformed chunked encoding";
    return "malformed response headers (" + ec.message() + ")";
}

}  // namespace

HttpResponseParser::State HttpResponseParser::feed(const char* data, size_t n) {
    if (state_ != State::NeedMore) return state_;
    if (!first_line_done_) {
        first_line_.append(data, std::min(n, kMaxFirstLine - first_line_.size()));
        auto eol = first_line_.find_first_of("\r\n");
        if (eol != std::string::npos) first_line_.resize(eol);
        first_line_done_ = eol != std::string::npos || first_line_.size() == kMaxFirstLine;
    }
    auto& p = impl_->parser;
    std::string& pending = impl_->pending;
    // Beast needs a header (and a chunk line) in one piece: what it left is handed again with the new bytes.
    if (!pending.empty()) pending.append(data, n);
    const char* in = pending.empty() ? data : pending.data();
    size_t size = pending.empty() ? n : pending.size(), used = 0;
    while (used < size && !p.is_done()) {
        error_code ec;
        size_t k = p.put(boost::asio::const_buffer(in + used, size - used), ec);
        used += k;
        impl_->consumed += k;
        if (ec == http::error::need_more) break;
        if (ec) return fail(describe(ec, impl_->consumed > 0, first_line(), max_body_));
        if (p.is_header_done() && until_ == Until::Header) break;
        if (k == 0) break;
    }
    if (pending.empty()) pending.assign(in + used, size - used);
    else pending.erase(0, used);
    if (pending.size() > kMaxHead)
        return fail(p.is_header_done() ? "malformed chunked encoding" : "response headers too large");
    return on_progress();
}

HttpResponseParser::State HttpResponseParser::on_progress() {
    auto& p = impl_->parser;
    if (!p.is_header_done()) return state_;
    status_ = static_cast<int>(p.get().result_int());
    if (status_ < 100 || status_ > 599) {
        status_ = 0;
        return fail("malformed status line '" + first_line().substr(0, 40) + "'");
    }
    // Boost 1.74's parser lets a declared Content-Length past body_limit through (its comparison with the
    // optional limit is wrong); the chunked and until-close limits it does enforce.
    bool has_body = status_ / 100 != 1 && status_ != 204 && status_ != 304;
    if (impl_->md5 && until_ == Until::End && has_body && p.content_length() && *p.content_length() > max_body_)
        return fail("body larger than " + std::to_string(max_body_) + " bytes");
    if (p.is_done() || until_ == Until::Header) return state_ = State::Done;
    return state_;
}

HttpResponseParser::State HttpResponseParser::eof() {
    if (state_ != State::NeedMore) return state_;
    auto& p = impl_->parser;
    if (!p.got_some() && impl_->pending.empty()) return fail("connection closed without a response");
    if (!p.is_header_done()) return fail("truncated response headers");
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
