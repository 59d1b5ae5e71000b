#include "director/alerts/mailer.hpp"

#include <spdlog/spdlog.h>

namespace director::alerts {

Mailer::Mailer(boost::asio::io_context& io, SmtpSettings s) : io_(io), settings_(std::move(s)) {}

void Mailer::send(const events::Event& e) {
    MailMessage m = build_mail(e, settings_.mail);
    if (pending_ >= kQueue) {
        ++dropped_;
        spdlog::warn("mail: {} mails already waiting for {}; dropped \"{}\" ({} dropped so far)", pending_,
                     settings_.server, m.subject, dropped_);
        return;
    }
    ++pending_;
    SmtpSettings s = settings_;
    worker_.run<std::string>([s, m] { return smtp_send(s, m); },
                             [this, subject = m.subject](std::string error) {
                                 finished(error.empty(), error, subject);
                             });
}

void Mailer::finished(bool ok, const std::string& error, const std::string& subject) {
    --pending_;
    if (ok) {
        ++sent_;
        spdlog::info("mail: sent \"{}\" to {}", subject, settings_.mail.to.size() == 1 ? settings_.mail.to[0]
                                                                                        : std::to_string(settings_.mail.to.size()) + " recipients");
    } else {
        ++failed_;
        last_error_ = error;
        spdlog::warn("mail: \"{}\" not sent: {} ({} failed so far)", subject, error, failed_);
    }
    if (pending_ == 0 && !flushed_.empty()) {
        if (flush_timer_) flush_timer_->cancel();
        auto waiting = std::move(flushed_);
        flushed_.clear();
        for (auto& f : waiting) f();
    }
}

void Mailer::flush(std::chrono::milliseconds limit, std::function<void()> done) {
    if (pending_ == 0) return done();
    flushed_.push_back(std::move(done));
    flush_timer_ = std::make_unique<boost::asio::steady_timer>(io_, limit);
    flush_timer_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        spdlog::warn("mail: {} mail(s) still unsent; not waiting for them any longer", pending_);
        auto waiting = std::move(flushed_);
        flushed_.clear();
        for (auto& f : waiting) f();
    });
}

nlohmann::json Mailer::status() const {
    nlohmann::json j{{"server", settings_.server + ":" + std::to_string(settings_.port)},
                     {"sent", sent_},
                     {"failed", failed_},
                     {"dropped", dropped_},
                     {"pending", pending_}};
    if (!last_error_.empty()) j["last_error"] = last_error_;
    return j;
}

}  // namespace director::alerts
