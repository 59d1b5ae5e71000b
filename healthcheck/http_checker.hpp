#pragma once
// HTTP_GET and SSL_GET: each `url` is fetched over its own connection and must answer with an accepted
// status code (and body MD5 when `digest` is set). SSL_GET adds TLS with optional SNI, chain and name
// verification against the configured CA, client certificates, and session resumption between checks.
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
};

class HttpChecker final : public Checker {
public:
    HttpChecker(boost::asio::io_context& io, Policy p, HttpTarget t);
    ~HttpChecker() override;
    std::string describe() const override;
    // The request bytes for one url.
    std::string request_for(const UrlCheck& u) const;

protected:
    void exchange(Done done) override;
    void abort() override;

private:
    void fetch(size_t index, bool resumed_so_far, Done done);
    void prepare_tls(HttpExchange::TlsStream& s) const;
    // The verdict on one url's exchange; nullopt when it passed.
    std::optional<std::string> judge(const UrlCheck& u, const HttpExchange::Outcome& o);

    HttpTarget target_;
    TlsSessionCache sessions_;
    std::shared_ptr<HttpExchange> current_;
};

}  // namespace healthcheck
