// One mail over plain SMTP (RFC 5321), the way keepalived sends its alerts: no TLS, no AUTH, to a relay
// the operator names. Written on Asio rather than libcurl: libcurl pulls some thirty libraries (GnuTLS,
// Kerberos, LDAP, SSH, ...) into every director process, care mode included, for this one dialogue.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <istream>
#include <optional>

#include "director/alerts/mailer.hpp"

namespace director::alerts {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

// "\r\n." at a line start becomes "\r\n..", so no line of the body can end the DATA section early.
std::string dot_stuffed(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 8);
    bool line_start = true;
    for (char c : text) {
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

class Session {
public:
    explicit Session(const SmtpSettings& s)
        : s_(s), deadline_(std::chrono::steady_clock::now() + 2 * s.connect_timeout) {}

    // "" once the server took the mail.
    std::string send(const MailMessage& m) {
        if (auto e = connect()) return *e;
        if (auto e = expect(220, "greeting")) return *e;
        std::string me = asio::ip::host_name();
        if (auto e = command("EHLO " + me, 250)) {
            // A server that predates ESMTP answers EHLO with 500/502: greet it the old way.
            if (last_code_ / 100 != 5) return *e;
            if (auto e2 = command("HELO " + me, 250)) return *e2;
        }
        if (auto e = command("MAIL FROM:<" + s_.mail.from + ">", 250)) return *e;
        for (const auto& to : s_.mail.to)
            if (auto e = command("RCPT TO:<" + to + ">", 250)) return *e;
        if (auto e = command("DATA", 354)) return *e;
        if (auto e = write(dot_stuffed(m.text) + ".\r\n")) return *e;
        if (auto e = expect(250, "end of data")) return *e;
        command("QUIT", 221);  // the mail is taken; how the server says goodbye does not matter
        return "";
    }

private:
    // Runs the io_context until `done` or a deadline; on the deadline the socket is closed, which ends the
    // operation with operation_aborted, reported as a timeout.
    std::optional<std::string> wait(bool& done, std::chrono::steady_clock::time_point until, const std::string& what) {
        io_.restart();
        io_.run_until(until);
        if (done) return std::nullopt;
        error_code ignored;
        sock_.close(ignored);
        io_.restart();
        io_.run();
        return "timed out " + what;
    }

    std::optional<std::string> connect() {
        bool done = false;
        error_code result;
        tcp::resolver resolver(io_);
        auto connect_by = std::min(deadline_, std::chrono::steady_clock::now() + s_.connect_timeout);
        resolver.async_resolve(s_.server, std::to_string(s_.port), [&](const error_code& ec, tcp::resolver::results_type r) {
            if (ec) {
                result = ec;
                done = true;
                return;
            }
            asio::async_connect(sock_, r, [&](const error_code& ec2, const tcp::endpoint&) {
                result = ec2;
                done = true;
            });
        });
        std::string where = s_.server + " port " + std::to_string(s_.port);
        if (auto e = wait(done, connect_by, "connecting to " + where)) {
            resolver.cancel();
            return e;
        }
        if (result) return "cannot connect to " + where + ": " + result.message();
        return std::nullopt;
    }

    std::optional<std::string> write(const std::string& data) {
        bool done = false;
        error_code result;
        asio::async_write(sock_, asio::buffer(data), [&](const error_code& ec, size_t) {
            result = ec;
            done = true;
        });
        if (auto e = wait(done, deadline_, "sending to the SMTP server")) return e;
        if (result) return "sending to the SMTP server: " + result.message();
        return std::nullopt;
    }

    // Reads one reply (its continuation lines "250-..." up to the last "250 ...") and checks its code.
    std::optional<std::string> expect(int code, const std::string& after) {
        std::string text;
        for (;;) {
            bool done = false;
            error_code result;
            asio::async_read_until(sock_, in_, "\r\n", [&](const error_code& ec, size_t) {
                result = ec;
                done = true;
            });
            if (auto e = wait(done, deadline_, "waiting for the SMTP server's reply to " + after)) return e;
            if (result) return "reading the SMTP server's reply to " + after + ": " + result.message();
            std::istream is(&in_);
            std::string line;
            std::getline(is, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.size() < 3 || line.size() > 1000) return "not an SMTP reply to " + after + ": '" + line.substr(0, 80) + "'";
            text = line;
            if (line.size() == 3 || line[3] == ' ') break;
        }
        last_code_ = std::atoi(text.substr(0, 3).c_str());
        if (last_code_ != code) return "the SMTP server answered " + after + " with '" + text.substr(0, 200) + "'";
        return std::nullopt;
    }

    std::optional<std::string> command(const std::string& line, int code) {
        if (auto e = write(line + "\r\n")) return e;
        return expect(code, line.substr(0, line.find(' ')));
    }

    const SmtpSettings& s_;
    std::chrono::steady_clock::time_point deadline_;  // the whole transaction: twice smtp_connect_timeout
    asio::io_context io_;
    tcp::socket sock_{io_};
    asio::streambuf in_{64 * 1024};
    int last_code_ = 0;
};

}  // namespace

std::string smtp_send(const SmtpSettings& s, const MailMessage& m) { return Session(s).send(m); }

}  // namespace director::alerts
