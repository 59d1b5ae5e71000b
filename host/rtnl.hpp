#pragma once
// IPv4 addresses on interfaces through rtnetlink (libnl-route-3), in the caller's network namespace: the
// same result as `ip addr add|del A/P dev D [label L]`.
//
// Error convention: every failure throws host::NetlinkError (a std::runtime_error) whose what() is
// "<what was tried>: <libnl's message>"; reason() is libnl's message alone, code() its (negative) error
// code. "Already there" and "already gone" are not failures: add/remove return whether they changed
// anything, so each caller decides what idempotence means to it.
#include <cstdint>
#include <stdexcept>
#include <string>

struct nl_sock;

namespace host {

class NetlinkError : public std::runtime_error {
public:
    NetlinkError(const std::string& what, int code);
    int code() const { return code_; }
    const std::string& reason() const { return reason_; }

private:
    int code_;
    std::string reason_;
};

// The interface's index, or 0 when there is none by that name.
int interface_index(const std::string& name);

struct Ipv4Address {
    int ifindex = 0;
    uint32_t address = 0;  // host byte order
    int prefix = 32;
    std::string label;     // "" leaves the kernel's default (the interface name)
};

// One NETLINK_ROUTE socket, closed with the object.
class Rtnl {
public:
    Rtnl();  // throws NetlinkError("rtnetlink connect", ...)
    ~Rtnl();
    Rtnl(const Rtnl&) = delete;
    Rtnl& operator=(const Rtnl&) = delete;

    bool add_address(const Ipv4Address& a);     // false: it was already there
    bool remove_address(const Ipv4Address& a);  // false: it was not there
    // Whether exactly this address/prefix is on a.ifindex (the label is not compared).
    bool has_address(const Ipv4Address& a);

    // For the link and route operations only care mode needs.
    nl_sock* socket() const { return sock_; }

private:
    nl_sock* sock_;
};

}  // namespace host
