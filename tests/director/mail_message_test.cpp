// The mail an event becomes: subject and body name the node, the instance or server, the old and new
// state and the reason; header values stay on one line whatever a name holds.
#include <gtest/gtest.h>

#include "director/alerts/mail_message.hpp"

using director::alerts::build_mail;
using director::alerts::MailSettings;
using director::events::Event;

namespace {
MailSettings settings() { return {"director@lb1", {"ops@example.com", "oncall@example.com"}, "lb1"}; }
Event at_noon(Event e) {
    e.at = std::chrono::system_clock::from_time_t(1764763200);  // 2025-12-03T12:00:00Z
    return e;
}
}  // namespace

TEST(MailMessage, VrrpTransitionNamesNodeInstanceStatesAndReason) {
    auto m = build_mail(at_noon({1, {}, "vrrp", "VI_1", "BACKUP", "MASTER", "Master_Down_Timer expired"}), settings());
    EXPECT_EQ(m.subject, "[lb1] VRRP_Instance(VI_1) BACKUP -> MASTER");
    EXPECT_NE(m.text.find("From: director@lb1\r\n"), std::string::npos) << m.text;
    EXPECT_NE(m.text.find("To: ops@example.com, oncall@example.com\r\n"), std::string::npos);
    EXPECT_NE(m.text.find("Subject: [lb1] VRRP_Instance(VI_1) BACKUP -> MASTER\r\n"), std::string::npos);
    EXPECT_NE(m.text.find("Date: Wed, 03 Dec 2025 12:00:00 +0000\r\n"), std::string::npos) << m.text;
    EXPECT_NE(m.text.find("\r\n\r\nNode:   lb1\r\nInstance: VI_1\r\nChange: BACKUP -> MASTER\r\n"
                          "Reason: Master_Down_Timer expired\r\nTime:   2025-12-03T12:00:00.000Z\r\n"),
              std::string::npos)
        << m.text;
}

TEST(MailMessage, RealServerDownNamesTheServer) {
    auto m = build_mail(at_noon({2, {}, "real_server", "TCP 198.18.0.100:6443 real_server 198.18.0.11:6443", "up",
                                 "down", "HTTP 503"}),
                        settings());
    EXPECT_EQ(m.subject, "[lb1] TCP 198.18.0.100:6443 real_server 198.18.0.11:6443 up -> down");
    EXPECT_NE(m.text.find("Server: TCP 198.18.0.100:6443 real_server 198.18.0.11:6443\r\n"), std::string::npos);
    EXPECT_NE(m.text.find("Reason: HTTP 503\r\n"), std::string::npos);
}

TEST(MailMessage, NewlinesCannotInjectHeaders) {
    auto m = build_mail(at_noon({3, {}, "vrrp", "VI_1\r\nBcc: evil@example.com", "BACKUP", "MASTER", "x"}), settings());
    EXPECT_EQ(m.subject.find('\n'), std::string::npos);
    EXPECT_EQ(m.text.find("\r\nBcc:"), std::string::npos) << m.text;
}
