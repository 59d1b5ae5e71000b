#include "director/care/nfnl_view.hpp"

#include <cstring>

namespace director::care {

std::optional<NfnlView> nfnl_view(const void* msg, size_t len) {
    constexpr size_t kFixed = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg));
    if (len < kFixed) return std::nullopt;
    NfnlView v;
    std::memcpy(&v.header, msg, sizeof v.header);
    if (v.header.nlmsg_len < kFixed || v.header.nlmsg_len > len) return std::nullopt;
    std::memcpy(&v.gen, static_cast<const uint8_t*>(msg) + NLMSG_HDRLEN, sizeof v.gen);
    v.attrs = static_cast<const uint8_t*>(msg) + kFixed;
    v.attrs_len = v.header.nlmsg_len - kFixed;
    return v;
}

std::optional<std::string_view> nfnl_attr(const NfnlView& m, uint16_t type) {
    const uint8_t* p = m.attrs;
    size_t left = m.attrs_len;
    while (left >= NLA_HDRLEN) {
        nlattr a;
        std::memcpy(&a, p, sizeof a);
        if (a.nla_len < NLA_HDRLEN || a.nla_len > left) return std::nullopt;
        if ((a.nla_type & NLA_TYPE_MASK) == type)
            return std::string_view(reinterpret_cast<const char*>(p + NLA_HDRLEN), a.nla_len - NLA_HDRLEN);
        size_t step = NLA_ALIGN(a.nla_len);
        if (step >= left) break;
        p += step;
        left -= step;
    }
    return std::nullopt;
}

}  // namespace director::care
