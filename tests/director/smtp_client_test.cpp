// The SMTP dialogue of mail alerts against a scripted server on loopback: what is sent, in what order, how a
// refusal or a silent server is reported. (tests/netns/mail_alert_test.py runs it against aiosmtpd.)
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <istream>
#include <map>
#include <thread>

#include "director/alerts/mailer.hpp"

using director::alerts::MailMessage;
using director::alerts::smtp_send;
using director::alerts::SmtpSettings;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Answers one connection: the greeting, then for each command line the reply its first word maps to (250
// if not mapped); after DATA's 354 it takes the body up to the lone ".". Records every line it read. With
// `silent_after_greeting` it reads but never answers.
class ScriptedSmtp {
public:
    std::map<std::string, std::string> replies;
    bool silent_after_greeting = false;

    ScriptedSmtp() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
    ~ScriptedSmtp() {
        if (thread_.joinable()) thread_.join();
    }
    int port() const { return acceptor_.local_endpoint().port(); }
    void start() {
        thread_ = std::thread([this] { serve(); });
    }
    // Once the client is done: the server's thread ends at the client's close, and `lines` is complete.
    const std::vector<std::string>& received() {
        if (thread_.joinable()) thread_.join();
        return lines;
    }

private:
    void serve() {
        tcp::socket s(io_);
        acceptor_.accept(s);
        boost::system::error_code ec;
        asio::write(s, asio::buffer(std::string("220 test ESMTP\r\n")), ec);
        asio::streambuf in;
        bool in_data = false;
        for (;;) {
            asio::read_until(s, in, "\r\n", ec);
            if (ec) return;
            std::istream is(&in);
            std::string line;
            std::getline(is, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            lines.push_back(line);
            if (silent_after_greeting) continue;
            std::string reply;
            if (in_data) {
                if (line != ".") continue;
                in_data = false;
                reply = "250 queued";
            } else {
                std::string verb = line.substr(0, line.find(' '));
                auto it = replies.find(verb);
                reply = it != replies.end() ? it->second : verb == "DATA" ? "354 go ahead" : verb == "QUIT" ? "221 bye" : "250 ok";
                in_data = verb == "DATA" && reply.rfind("354", 0) == 0;
            }
            asio::write(s, asio::buffer(reply + "\r\n"), ec);
            if (ec || line.rfind("QUIT", 0) == 0) return;
        }
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::vector<std::string> lines;  // as received, CRLF stripped
};

SmtpSettings settings(int port, std::chrono::seconds timeout = std::chrono::seconds(5)) {
    SmtpSettings s;
    s.server = "127.0.0.1";
    s.port = port;
    s.connect_timeout = timeout;
    s.mail.from = "director@lb-a";
    s.mail.to = {"ops@example.com", "oncall@example.com"};
    return s;
}

MailMessage message(const std::string& body) { return {"subject", "Subject: subject\r\n\r\n" + body}; }

}  // namespace

TEST(SmtpClient, SendsEnvelopeAndDotStuffedBodyInOrder) {
    ScriptedSmtp server;
    server.start();
    EXPECT_EQ(smtp_send(settings(server.port()), message("first\r\n.starts with a dot\r\n")), "");
    const auto& lines = server.received();
    ASSERT_GE(lines.size(), 10u);
    EXPECT_EQ(lines[0].rfind("EHLO ", 0), 0u);
    EXPECT_EQ(lines[1], "MAIL FROM:<director@lb-a>");
    EXPECT_EQ(lines[2], "RCPT TO:<ops@example.com>");
    EXPECT_EQ(lines[3], "RCPT TO:<oncall@example.com>");
    EXPECT_EQ(lines[4], "DATA");
    EXPECT_EQ(lines[5], "Subject: subject");
    EXPECT_EQ(lines[6], "");
    EXPECT_EQ(lines[7], "first");
    EXPECT_EQ(lines[8], "..starts with a dot") << "a body line may not end the DATA section";
    EXPECT_EQ(lines[9], ".");
    EXPECT_EQ(lines.back(), "QUIT");
}

TEST(SmtpClient, ServerWithoutEsmtpIsGreetedWithHelo) {
    ScriptedSmtp server;
    server.replies["EHLO"] = "502 command not implemented";
    server.start();
    EXPECT_EQ(smtp_send(settings(server.port()), message("x\r\n")), "");
    const auto& lines = server.received();
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[1].rfind("HELO ", 0), 0u);
}

TEST(SmtpClient, RefusedRecipientIsReportedWithTheServersWords) {
    ScriptedSmtp server;
    server.replies["RCPT"] = "550 5.1.1 no such user";
    server.start();
    EXPECT_EQ(smtp_send(settings(server.port()), message("x\r\n")),
              "the SMTP server answered RCPT with '550 5.1.1 no such user'");
    for (const auto& l : server.received()) EXPECT_NE(l, "DATA") << "nothing is sent after a refusal";
}

TEST(SmtpClient, SilentServerTimesOutWithinTwiceTheConnectTimeout) {
    ScriptedSmtp server;
    server.silent_after_greeting = true;
    server.start();
    auto t0 = std::chrono::steady_clock::now();
    std::string err = smtp_send(settings(server.port(), std::chrono::seconds(1)), message("x\r\n"));
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(err, "timed out waiting for the SMTP server's reply to EHLO");
    EXPECT_GE(took, std::chrono::milliseconds(1900));
    EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(SmtpClient, NobodyListeningIsACannotConnect) {
    int port;
    {
        ScriptedSmtp closed;  // a port that was just free
        port = closed.port();
    }
    std::string err = smtp_send(settings(port), message("x\r\n"));
    EXPECT_EQ(err.rfind("cannot connect to 127.0.0.1 port " + std::to_string(port) + ": ", 0), 0u) << err;
}
