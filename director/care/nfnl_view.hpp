#pragma once
// Reading one nfnetlink message (nlmsghdr, nfgenmsg, attributes) from bytes the kernel sent: the ipset
// reply and the nf_tables notifications care looks at. Copies the headers out, so the bytes need no
// alignment, and never reads past `len` whatever the lengths inside claim.
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace director::care {

struct NfnlView {
    nlmsghdr header;
    nfgenmsg gen;
    const uint8_t* attrs;  // the attribute area, up to header.nlmsg_len
    size_t attrs_len;
};

// nullopt when the headers are cut short or the message claims more bytes than `len`.
std::optional<NfnlView> nfnl_view(const void* msg, size_t len);
// The payload of the first attribute of `type` (flag bits ignored); nullopt when there is none, or an
// attribute before it is malformed.
std::optional<std::string_view> nfnl_attr(const NfnlView& m, uint16_t type);

}  // namespace director::care
