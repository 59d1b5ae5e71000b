#include "director/care/ipset_netlink.hpp"

#include "director/care/nfnl_view.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/ipset/ip_set.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace director::care {

namespace {

// Appends netlink attributes to one message; the header's length is fixed up as it grows.
class Builder {
public:
    Builder(uint8_t cmd, uint16_t flags, uint32_t seq) {
        nlmsghdr h{};
        h.nlmsg_type = static_cast<uint16_t>((NFNL_SUBSYS_IPSET << 8) | cmd);
        h.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
        h.nlmsg_seq = seq;
        append(&h, sizeof h);
        nfgenmsg g{};
        g.nfgen_family = NFPROTO_IPV4;
        g.version = NFNETLINK_V0;
        append(&g, sizeof g);
        put_u8(IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL_MIN);  // every kernel since ipset's netlink protocol 6
    }
    void put(uint16_t type, const void* data, size_t len) {
        nlattr a{static_cast<uint16_t>(NLA_HDRLEN + len), type};
        append(&a, sizeof a);
        append(data, len);
    }
    void put_u8(uint16_t type, uint8_t v) { put(type, &v, 1); }
    void put_string(uint16_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }
    size_t begin_nested(uint16_t type) {
        size_t at = buf_.size();
        nlattr a{NLA_HDRLEN, static_cast<uint16_t>(type | NLA_F_NESTED)};  // ipset insists on the flag
        append(&a, sizeof a);
        return at;
    }
    void end_nested(size_t at) {
        uint16_t len = static_cast<uint16_t>(buf_.size() - at);
        std::memcpy(buf_.data() + at, &len, sizeof len);
    }
    NlBytes done() { return std::move(buf_); }

private:
    void append(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        buf_.insert(buf_.end(), b, b + n);
        buf_.resize(NLMSG_ALIGN(buf_.size()), 0);
        uint32_t len = static_cast<uint32_t>(buf_.size());
        std::memcpy(buf_.data(), &len, sizeof len);
    }
    NlBytes buf_;
};

void check_name(const std::string& name) {
    if (name.empty() || name.size() >= IPSET_MAXNAMELEN) throw std::invalid_argument("bad ipset name: " + name);
}

}  // namespace

NlBytes ipset_add_message(const std::string& set, const Endpoint& entry, uint32_t seq) {
    check_name(set);
    Builder b(IPSET_CMD_ADD, NLM_F_ACK, seq);
    b.put_string(IPSET_ATTR_SETNAME, set);
    size_t data = b.begin_nested(IPSET_ATTR_DATA);
    size_t ip = b.begin_nested(IPSET_ATTR_IP);
    uint32_t addr = htonl(entry.address);
    b.put(IPSET_ATTR_IPADDR_IPV4 | NLA_F_NET_BYTEORDER, &addr, sizeof addr);
    b.end_nested(ip);
    uint16_t port = htons(entry.port);
    b.put(IPSET_ATTR_PORT | NLA_F_NET_BYTEORDER, &port, sizeof port);
    b.put_u8(IPSET_ATTR_PROTO, IPPROTO_TCP);
    b.end_nested(data);
    return b.done();
}

NlBytes ipset_type_message(const std::string& type, uint32_t seq) {
    Builder b(IPSET_CMD_TYPE, NLM_F_ACK, seq);
    b.put_string(IPSET_ATTR_TYPENAME, type);
    b.put_u8(IPSET_ATTR_FAMILY, NFPROTO_IPV4);
    return b.done();
}

NlBytes ipset_create_message(const std::string& set, const std::string& type, uint8_t revision, uint32_t seq) {
    check_name(set);
    Builder b(IPSET_CMD_CREATE, NLM_F_ACK | NLM_F_CREATE, seq);
    b.put_string(IPSET_ATTR_SETNAME, set);
    b.put_string(IPSET_ATTR_TYPENAME, type);
    b.put_u8(IPSET_ATTR_REVISION, revision);
    b.put_u8(IPSET_ATTR_FAMILY, NFPROTO_IPV4);
    b.end_nested(b.begin_nested(IPSET_ATTR_DATA));  // no hashsize/maxelem: the kernel's defaults, like `ipset create`
    return b.done();
}

NlBytes ipset_destroy_message(const std::string& set, uint32_t seq) {
    check_name(set);
    Builder b(IPSET_CMD_DESTROY, NLM_F_ACK, seq);
    b.put_string(IPSET_ATTR_SETNAME, set);
    return b.done();
}

int ipset_reply_revision(const uint8_t* msg, size_t len) {
    auto m = nfnl_view(msg, len);
    if (!m || m->header.nlmsg_type != ((NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_TYPE)) return -1;
    auto revision = nfnl_attr(*m, IPSET_ATTR_REVISION);
    return revision && !revision->empty() ? static_cast<uint8_t>((*revision)[0]) : -1;
}

std::string ipset_error_text(int err) {
    switch (err) {
        case ENOENT: return "the set does not exist";
        case IPSET_ERR_PROTOCOL: return "kernel error received: ipset protocol error";
        case IPSET_ERR_FIND_TYPE: return "kernel error received: set type not supported";
        case IPSET_ERR_MAX_SETS: return "kernel error received: the maximal number of sets is reached";
        case IPSET_ERR_BUSY: return "set is in use by a kernel component (an iptables rule still refers to it)";
        case IPSET_ERR_EXIST_SETNAME2: return "a set with that name already exists with another type or options";
        case IPSET_ERR_TYPE_MISMATCH: return "set type mismatch";
        case IPSET_ERR_INVALID_FAMILY: return "the set is not an IPv4 set";
        case IPSET_ERR_REFERENCED: return "set is referenced and cannot be destroyed";
        default: break;
    }
    if (err >= IPSET_ERR_PRIVATE) return "ipset kernel error " + std::to_string(err);
    return std::strerror(err);
}

IpsetNetlink::IpsetNetlink() {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd_ < 0) throw std::runtime_error(std::string("ipset netlink socket: ") + std::strerror(errno));
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    // A request must never wait forever on a kernel that does not answer.
    timeval tv{5, 0};
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
        int e = errno;
        ::close(fd_);
        throw std::runtime_error(std::string("ipset netlink socket: ") + std::strerror(e));
    }
}

IpsetNetlink::~IpsetNetlink() { ::close(fd_); }

int IpsetNetlink::request(const NlBytes& msg, NlBytes* reply) {
    NlBytes out = msg;
    uint32_t seq = ++seq_;
    std::memcpy(out.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
        return errno;
    uint8_t buf[8192];
    for (;;) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        size_t left = static_cast<size_t>(n);
        const uint8_t* p = buf;
        while (left >= NLMSG_HDRLEN) {
            nlmsghdr h;
            std::memcpy(&h, p, sizeof h);
            if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) return EPROTO;
            if (h.nlmsg_seq == seq) {
                if (h.nlmsg_type == NLMSG_ERROR) {
                    if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) return EPROTO;
                    nlmsgerr e;
                    std::memcpy(&e, p + NLMSG_HDRLEN, sizeof e);
                    return -e.error;
                }
                if (reply) reply->assign(p, p + h.nlmsg_len);
            }
            size_t step = NLMSG_ALIGN(h.nlmsg_len);
            if (step >= left) break;
            p += step;
            left -= step;
        }
    }
}

void IpsetNetlink::ensure_entry(const std::string& set, const Endpoint& entry) {
    const std::string what = "ipset add " + set + " " + format_ipv4(entry.address) + ",tcp:" + std::to_string(entry.port);
    int err = request(ipset_add_message(set, entry, 0));
    if (err == 0) return;
    if (err != ENOENT) throw std::runtime_error(what + ": " + ipset_error_text(err));
    constexpr const char* kType = "hash:ip,port";
    NlBytes reply;
    if (int e = request(ipset_type_message(kType, 0), &reply); e != 0)
        throw std::runtime_error(std::string("ipset: ") + kType + ": " + ipset_error_text(e));
    int revision = ipset_reply_revision(reply.data(), reply.size());
    if (revision < 0) throw std::runtime_error(std::string("ipset: the kernel did not name a revision of ") + kType);
    if (int e = request(ipset_create_message(set, kType, static_cast<uint8_t>(revision), 0)); e != 0)
        throw std::runtime_error("ipset create " + set + " " + kType + ": " + ipset_error_text(e));
    if (int e = request(ipset_add_message(set, entry, 0)); e != 0)
        throw std::runtime_error(what + ": " + ipset_error_text(e));
}

bool IpsetNetlink::destroy(const std::string& set) {
    int err = request(ipset_destroy_message(set, 0));
    if (err == ENOENT) return false;
    if (err != 0) throw std::runtime_error("ipset destroy " + set + ": " + ipset_error_text(err));
    return true;
}

}  // namespace director::care
