#include "director/alerts/mailer.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace director::alerts {

namespace {

struct Upload {
    const std::string* text;
    size_t offset = 0;
};

size_t read_body(char* buf, size_t size, size_t n, void* user) {
    auto* u = static_cast<Upload*>(user);
    size_t left = u->text->size() - u->offset;
    size_t take = std::min(left, size * n);
    std::memcpy(buf, u->text->data() + u->offset, take);
    u->offset += take;
    return take;
}

// libcurl's global state, set up once before the first transfer (curl_global_init is not thread-safe).
struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

std::string smtp_send(const SmtpSettings& s, const MailMessage& m) {
    static CurlGlobal global;
    CURL* curl = curl_easy_init();
    if (!curl) return "libcurl could not start a transfer";
    std::string host = s.server.find(':') != std::string::npos ? "[" + s.server + "]" : s.server;
    std::string url = "smtp://" + host + ":" + std::to_string(s.port);
    curl_slist* rcpt = nullptr;
    for (const auto& r : s.mail.to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
    Upload up{&m.text};
    char err[CURL_ERROR_SIZE] = {};
    std::string from = "<" + s.mail.from + ">";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(s.connect_timeout.count()));
    // The whole transaction is bounded too: a server that accepts and then stalls must not hold the queue.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(2 * s.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK) return "";
    return err[0] ? std::string(err) : curl_easy_strerror(rc);
}

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
