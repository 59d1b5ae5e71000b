// The HTTP_GET/SSL_GET response parser (Beast's, behind healthcheck::HttpResponseParser) on any bytes,
// fed three ways: all at once, one byte per read and seven bytes per read. A TCP peer decides how its
// bytes are split, so all three must agree on the outcome, status and error, and on a complete body's
// digest; then the connection closes (eof). A body over the digest's limit must be an error, never a
// shorter body that passes: what completes under a 64-byte limit completes the same without it.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "healthcheck/http_response.hpp"

namespace {

using healthcheck::HttpResponseParser;

struct Outcome {
    HttpResponseParser::State state;
    int status;
    std::string error, md5;
    bool operator==(const Outcome&) const = default;
};

Outcome run(const uint8_t* data, size_t size, size_t step, bool want_body, size_t max_body,
            HttpResponseParser::Until until) {
    HttpResponseParser p(want_body, max_body, until);
    auto* text = reinterpret_cast<const char*>(data);
    auto state = HttpResponseParser::State::NeedMore;
    for (size_t off = 0; off < size && state == HttpResponseParser::State::NeedMore; off += step)
        state = p.feed(text + off, std::min(step, size - off));
    state = p.eof();
    if (state == HttpResponseParser::State::NeedMore) std::abort();  // eof always decides
    if (state == HttpResponseParser::State::Done && (p.status() < 100 || p.status() > 599)) std::abort();
    // How much body was hashed before an error depends on the split; only a complete body is compared.
    if (state == HttpResponseParser::State::Error || !want_body) return {state, p.status(), p.error(), ""};
    return {state, p.status(), p.error(), p.body_md5_hex()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using Until = HttpResponseParser::Until;
    for (Until until : {Until::End, Until::Header}) {
        for (bool want_body : {false, true}) {
            Outcome by_limit[2];
            size_t limits[2] = {size_t{1} << 20, size_t{64}};
            for (int i = 0; i < 2; ++i) {
                Outcome whole = run(data, size, size ? size : 1, want_body, limits[i], until);
                if (!(run(data, size, 1, want_body, limits[i], until) == whole)) std::abort();
                if (!(run(data, size, 7, want_body, limits[i], until) == whole)) std::abort();
                by_limit[i] = whole;
            }
            if (by_limit[1].state == HttpResponseParser::State::Done && !(by_limit[0] == by_limit[1])) std::abort();
        }
    }
    return 0;
}
