#include "director/care/nft_watch.hpp"

#include "director/care/nfnl_view.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace director::care {

namespace {

// A string attribute of the message, up to its NUL; nullopt when absent or malformed.
std::optional<std::string> string_attr(const NfnlView& m, uint16_t type) {
    auto a = nfnl_attr(m, type);
    if (!a) return std::nullopt;
    return std::string(a->substr(0, a->find('\0')));
}

}  // namespace

bool nft_message_touches(const void* msg, size_t len, const RuleScope& scope) {
    auto m = nfnl_view(msg, len);
    if (!m) return true;
    if (NFNL_SUBSYS_ID(m->header.nlmsg_type) != NFNL_SUBSYS_NFTABLES) return false;  // not nf_tables at all
    const uint16_t type = NFNL_MSG_TYPE(m->header.nlmsg_type);
    switch (type) {
        case NFT_MSG_NEWSET: case NFT_MSG_DELSET: case NFT_MSG_NEWSETELEM: case NFT_MSG_DELSETELEM:
        case NFT_MSG_NEWGEN: case NFT_MSG_TRACE: case NFT_MSG_NEWOBJ: case NFT_MSG_DELOBJ:
        case NFT_MSG_NEWFLOWTABLE: case NFT_MSG_DELFLOWTABLE:
            return false;
        default: break;
    }
    if (m->gen.nfgen_family != NFPROTO_IPV4) return false;
    // Table, chain and rule messages all carry the table name as attribute 1.
    static_assert(int{NFTA_TABLE_NAME} == int{NFTA_CHAIN_TABLE} && int{NFTA_CHAIN_TABLE} == int{NFTA_RULE_TABLE});
    auto table = string_attr(*m, NFTA_TABLE_NAME);
    if (!table) return true;
    bool table_in_scope = false;
    for (const auto& [t, c] : scope) table_in_scope |= t == *table;
    if (!table_in_scope) return false;
    std::optional<std::string> chain;
    switch (type) {
        case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE: return true;
        case NFT_MSG_NEWCHAIN: case NFT_MSG_DELCHAIN: chain = string_attr(*m, NFTA_CHAIN_NAME); break;
        case NFT_MSG_NEWRULE: case NFT_MSG_DELRULE: chain = string_attr(*m, NFTA_RULE_CHAIN); break;
        default: return true;  // a message type newer than this code
    }
    return !chain || scope.count({*table, *chain}) > 0;
}

NftWatch::NftWatch(RuleScope scope) : scope_(std::move(scope)) {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
    if (fd_ < 0) {
        error_ = std::string("netfilter netlink socket: ") + std::strerror(errno);
        return;
    }
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    int group = NFNLGRP_NFTABLES;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
        ::setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
        error_ = std::string("subscribing to nf_tables notifications: ") + std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
    }
}

NftWatch::~NftWatch() {
    if (fd_ >= 0) ::close(fd_);
}

bool NftWatch::changed() {
    if (fd_ < 0) return true;
    bool touched = false;
    // Large enough for any single nf_tables notification (rules with long comments included).
    static thread_local std::vector<uint8_t> buf(64 * 1024);
    for (;;) {
        ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return touched;
            touched = true;  // ENOBUFS: notifications were dropped; anything may have changed
            if (errno != ENOBUFS) return true;
            continue;
        }
        if (static_cast<size_t>(n) > buf.size()) {  // truncated datagram: cannot read it, assume the worst
            touched = true;
            continue;
        }
        if (touched) continue;  // already decided; just drain
        size_t left = static_cast<size_t>(n);
        const uint8_t* p = buf.data();
        while (left >= NLMSG_HDRLEN) {
            nlmsghdr h;
            std::memcpy(&h, p, sizeof h);
            if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) {
                touched = true;
                break;
            }
            if (h.nlmsg_type >= NLMSG_MIN_TYPE && nft_message_touches(p, h.nlmsg_len, scope_)) {
                touched = true;
                break;
            }
            size_t step = NLMSG_ALIGN(h.nlmsg_len);
            if (step >= left) break;
            p += step;
            left -= step;
        }
    }
}

}  // namespace director::care
