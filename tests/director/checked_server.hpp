#pragma once
// A real_server block checked by HTTP_GET /healthz against a loopback test server, fast enough for unit
// tests (a check every 50 ms, 0.3 s deadline, no retry, no warm-up).
#include <string>

#include "tests/healthcheck/test_server.hpp"

namespace testsupport {

// `server_extra`: lines inside real_server (notify_up, inhibit_on_failure); `check_extra`: inside HTTP_GET.
inline std::string checked_real_server(const TestHttpServer& s, int weight, const std::string& server_extra = "",
                                       const std::string& check_extra = "") {
    return "  real_server 127.0.0.1 " + std::to_string(s.port()) + " {\n    weight " + std::to_string(weight) +
           "\n" + server_extra + "    HTTP_GET {\n      url {\n        path /healthz\n        status_code 200\n      }\n"
           "      delay_loop 0.05\n      connect_timeout 0.3\n      retry 0\n      warmup 0\n" + check_extra + "    }\n  }\n";
}

}  // namespace testsupport
