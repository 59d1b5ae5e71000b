#pragma once
// HTTP_GET and SSL_GET: each `url` must answer with an accepted status code (and body MD5 when `digest` is
// set). SSL_GET adds TLS with optional SNI, chain and name verification against the configured CA, client
// certificates, and session resumption between connections. With keep-alive (the default) the connection
// stays open between checks, as Envoy's checker does: a check is then one request and its response, and a
// new connection is made when the server closed the old one, after `keepalive_requests` responses or once
// it is `keepalive_max_age` old.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "healthcheck/checker.hpp"
#include "healthcheck/http_exchange.hpp"
#include "healthcheck/http_response.hpp"
#include "healthcheck/tcp_checker.hpp"
#include "healthcheck/tls_client.hpp"

namespace healthcheck {

struct UrlCheck {
    std::string path = "/";
    StatusCodes status;
    std::optional<std::string> digest;  // lower-case hex MD5 of the body
    std::string virtualhost;            // overrides HttpTarget::virtualhost for this url
};

struct HttpTarget {
    TcpTarget tcp;
    std::vector<UrlCheck> urls;
    std::string virtualhost;            // Host header; default "<ip>:<port>"
    std::string protocol = "1.0";       // http_protocol: 1.0, 1.1, 1.0C, 1.1C
    std::shared_ptr<TlsClient> tls;     // set for SSL_GET
    bool enable_sni = false;
    std::string sni_name;               // SNI and, with a CA, the name the certificate must carry
    unsigned keepalive_requests = 100;  // responses one connection carries; 1: a connection per request
    std::chrono::milliseconds keepalive_max_age{std::chrono::hours(1)};
};

class HttpChecker final : public Checker {
public:
    HttpChecker(boost::asio::io_context& io, Policy p, HttpTarget t);
    ~HttpChecker() override;
    std::string describe() const override;
    // The request bytes for one url.
    std::string request_for(const UrlCheck& u) const;
    // Kept connections the server had closed by the next check, so a new one was made.
    uint64_t stale_connections() const { return stale_; }

protected:
    void exchange(Done done) override;
    void abort() override;

private:
    bool keeps_alive() const;
    // The kept connection when the next request may use it; otherwise it is closed and null returned.
    std::shared_ptr<HttpConnection> take_kept();
    void retire(const std::shared_ptr<HttpConnection>& c);
    // The kept TLS connection's records go to the kernel when it can take them (kernel_tls.hpp).
    void hand_to_kernel(HttpConnection& c);
    // One url; `reused_so_far`/`resumed_so_far`: how the check's earlier urls went; `fresh`: no kept connection.
    void fetch(size_t index, bool reused_so_far, bool resumed_so_far, bool fresh, Done done);
    void prepare_tls(HttpExchange::TlsStream& s) const;
    // The verdict on one url's exchange; nullopt when it passed.
    std::optional<std::string> judge(const UrlCheck& u, const HttpExchange::Outcome& o);

    HttpTarget target_;
    TlsSessionCache sessions_;
    std::shared_ptr<HttpExchange> current_;
    std::shared_ptr<HttpConnection> kept_;  // open between checks, with keep-alive
    uint64_t stale_ = 0;
};

}  // namespace healthcheck
