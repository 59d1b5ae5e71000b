#pragma once
// The lab's stand-in for a kube-apiserver: HTTPS with keep-alive, `GET /healthz` answers "ok", any
// other path answers with the backend's name, so a client going through the VIP sees which backend
// served it. Small on purpose: it exists so `director lab` needs nothing but this binary.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace director::lab {

struct BackendOptions {
    boost::asio::ip::tcp::endpoint listen;
    std::string certificate, key;  // PEM files
    std::string name;              // in every non-/healthz answer
};

class HttpsBackend {
public:
    // Binds at once; throws std::runtime_error naming the file or address that failed.
    HttpsBackend(boost::asio::io_context& io, const BackendOptions& o);
    ~HttpsBackend();
    void start();
    unsigned short port() const;
    // Requests answered so far, over every connection.
    unsigned long long served() const { return *served_; }

private:
    boost::asio::io_context& io_;
    BackendOptions opts_;
    boost::asio::ssl::context tls_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<unsigned long long> served_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The answer to one request line ("GET /healthz HTTP/1.1"): status line, headers and body.
std::string backend_response(const std::string& request_line, const std::string& name, bool keep_alive);

}  // namespace director::lab
