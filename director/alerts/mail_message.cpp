#include "director/alerts/mail_message.hpp"

#include <ctime>

namespace director::alerts {

namespace {

// Header values must stay on one line whatever an instance name or a reason holds.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\r' || c == '\n') c = ' ';
    return s;
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string what(const events::Event& e) {
    if (e.kind == "vrrp") return "VRRP_Instance(" + e.subject + ")";
    if (e.kind == "vrrp_sync_group") return "VRRP_Group(" + e.subject + ")";
    return e.subject;
}

}  // namespace

MailMessage build_mail(const events::Event& e, const MailSettings& s) {
    MailMessage m;
    std::string change = e.from.empty() ? e.to : e.from + " -> " + e.to;
    m.subject = one_line("[" + s.node + "] " + what(e) + " " + change);
    std::string to;
    for (const auto& r : s.to) to += (to.empty() ? "" : ", ") + r;
    // Every field on its own line, so a name holding a line break cannot forge another field.
    std::string body = "Node:   " + one_line(s.node) + "\r\n" + (e.kind == "vrrp" ? "Instance: " : e.kind == "vrrp_sync_group" ? "Group:  " : "Server: ") +
                       one_line(e.subject) + "\r\nChange: " + one_line(change) + "\r\nReason: " + one_line(e.reason) +
                       "\r\nTime:   " + events::format_utc(e.at) + "\r\n";
    // Lines starting with a dot would end the SMTP DATA early; the SMTP client escapes them, the body never has one.
    m.text = "From: " + one_line(s.from) + "\r\nTo: " + one_line(to) + "\r\nSubject: " + m.subject + "\r\nDate: " +
             rfc5322_date(e.at) + "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Mailer: lvs-director\r\n\r\n" +
             body;
    return m;
}

}  // namespace director::alerts
