#pragma once
// The mail an event becomes (keepalived's smtp_alert): a subject naming the node, what changed and how, and a
// body with the same facts plus the reason and the time. Pure, so the wording is unit tested.
#include <string>
#include <vector>

#include "director/events/event_log.hpp"

namespace director::alerts {

struct MailSettings {
    std::string from;              // envelope and header sender
    std::vector<std::string> to;   // every recipient
    std::string node;              // router_id, else the host name
};

struct MailMessage {
    std::string subject;
    std::string text;  // RFC 5322 message: headers, blank line, body; CRLF line ends
};

MailMessage build_mail(const events::Event& e, const MailSettings& s);

}  // namespace director::alerts
