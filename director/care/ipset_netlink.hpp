#pragma once
// Link mode's one ipset (VIRTUAL-IP, hash:ip,port) kept over nfnetlink instead of by running `ipset`:
// the few messages it needs are built here (pure, unit-tested) and sent on one long-lived
// NETLINK_NETFILTER socket. The kernel answers with a plain or an ipset-private errno (ip_set.h).
#include <cstdint>
#include <string>
#include <vector>

#include "director/care/endpoint.hpp"

namespace director::care {

using NlBytes = std::vector<uint8_t>;

// ADD of "ip,tcp:port" without NLM_F_EXCL, so an entry already there is no error (`ipset add -exist`).
NlBytes ipset_add_message(const std::string& set, const Endpoint& entry, uint32_t seq);
// TYPE: asks which revisions of `type` the kernel has for IPv4 (the reply carries the highest).
NlBytes ipset_type_message(const std::string& type, uint32_t seq);
// CREATE of an IPv4 set of `type` at `revision`, default size; without NLM_F_EXCL (`-exist`).
NlBytes ipset_create_message(const std::string& set, const std::string& type, uint8_t revision, uint32_t seq);
NlBytes ipset_destroy_message(const std::string& set, uint32_t seq);
// The IPSET_ATTR_REVISION of a TYPE reply; -1 when the message is not one or lacks it.
int ipset_reply_revision(const uint8_t* msg, size_t len);

class IpsetNetlink {
public:
    IpsetNetlink();  // throws std::runtime_error when the socket cannot be opened
    ~IpsetNetlink();
    IpsetNetlink(const IpsetNetlink&) = delete;
    IpsetNetlink& operator=(const IpsetNetlink&) = delete;

    // `ipset add SET IP,tcp:PORT -exist`, creating SET as hash:ip,port first when it does not exist.
    // Throws std::runtime_error naming the step and the kernel's reason.
    void ensure_entry(const std::string& set, const Endpoint& entry);
    // `ipset destroy SET`; false when there was no such set.
    bool destroy(const std::string& set);

private:
    // Sends one request and returns 0 or the positive errno of the kernel's answer; `reply`, if given,
    // receives the data message that came before the acknowledgement.
    int request(const NlBytes& msg, NlBytes* reply = nullptr);
    int fd_;
    uint32_t seq_ = 0;
};

// The kernel's words for an errno of an ipset request (its private codes included).
std::string ipset_error_text(int err);

}  // namespace director::care
