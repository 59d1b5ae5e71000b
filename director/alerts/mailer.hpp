#pragma once
// Sends the mails of keepalived's smtp_alert over plain SMTP (smtp_client.cpp), on a thread of its own: an SMTP
// server that is slow or gone never delays the event loop (VRRP adverts). At most kQueue mails wait; more are
// dropped, counted and logged, as are mails the server did not take.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "director/alerts/mail_message.hpp"
#include "director/worker_thread.hpp"

namespace director::alerts {

struct SmtpSettings {
    std::string server;  // host or address
    int port = 25;
    std::chrono::seconds connect_timeout{30};
    MailSettings mail;
};

class Mailer {
public:
    static constexpr size_t kQueue = 32;
    Mailer(boost::asio::io_context& io, SmtpSettings s);
    void send(const events::Event& e);
    // `done` once every queued mail has been tried, or after `limit` (a stopping daemon waits this long).
    void flush(std::chrono::milliseconds limit, std::function<void()> done);
    void update(SmtpSettings s) { settings_ = std::move(s); }
    nlohmann::json status() const;

private:
    void finished(bool ok, const std::string& error, const std::string& subject);

    boost::asio::io_context& io_;
    SmtpSettings settings_;
    size_t pending_ = 0;
    uint64_t sent_ = 0, failed_ = 0, dropped_ = 0;
    std::string last_error_;
    std::vector<std::function<void()>> flushed_;
    std::unique_ptr<boost::asio::steady_timer> flush_timer_;
    WorkerThread worker_{io_};  // last: joined first
};

// One SMTP transaction, blocking (the worker's job): "" when the server took the mail, else why not.
std::string smtp_send(const SmtpSettings& s, const MailMessage& m);

}  // namespace director::alerts
