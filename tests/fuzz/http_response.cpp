// The HTTP_GET/SSL_GET response parser on any bytes, fed three ways: all at once, one byte per read and
// seven bytes per read. A TCP peer decides how its bytes are split, so all three must agree on the
// outcome, status and error, and on a complete body's size and digest; then the connection closes (eof).
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
    size_t body_size;
    bool operator==(const Outcome&) const = default;
};

Outcome run(const uint8_t* data, size_t size, size_t step, bool want_body, size_t max_body) {
    HttpResponseParser p(want_body, max_body);
    auto* text = reinterpret_cast<const char*>(data);
    auto state = HttpResponseParser::State::NeedMore;
    for (size_t off = 0; off < size && state == HttpResponseParser::State::NeedMore; off += step)
        state = p.feed(text + off, std::min(step, size - off));
    state = p.eof();
    if (state == HttpResponseParser::State::NeedMore) std::abort();  // eof always decides
    if (state == HttpResponseParser::State::Done && (p.status() < 100 || p.status() > 599)) std::abort();
    if (want_body && p.body_size() > max_body) std::abort();
    // How much body was hashed before an error depends on the split; only a complete body is compared.
    if (state == HttpResponseParser::State::Error || !want_body) return {state, p.status(), p.error(), "", 0};
    return {state, p.status(), p.error(), p.body_md5_hex(), p.body_size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    for (bool want_body : {false, true}) {
        for (size_t max_body : {size_t{1} << 20, size_t{64}}) {
            Outcome whole = run(data, size, size ? size : 1, want_body, max_body);
            if (!(run(data, size, 1, want_body, max_body) == whole)) std::abort();
            if (!(run(data, size, 7, want_body, max_body) == whole)) std::abort();
        }
    }
    return 0;
}
