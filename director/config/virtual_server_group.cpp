// virtual_server_group sections and their expansion into the kernel services of the virtual_servers
// that use them.
#include "director/config/virtual_server_group.hpp"

#include <map>
#include <set>

#include "director/config/model.hpp"
#include "director/config/values.hpp"

namespace director::config {

namespace {

std::optional<uint32_t> octet(const std::string& s) {
    if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    int v = std::stoi(s);
    if (v > 255) return std::nullopt;
    return static_cast<uint32_t>(v);
}

uint64_t size_of(const GroupMemberConf& m) { return m.fwmark ? 1 : uint64_t{m.last} - m.first + 1; }

std::string member_text(const GroupMemberConf& m) {
    if (m.fwmark) return "fwmark " + std::to_string(m.fwmark);
    std::string a = format_ipv4(m.first);
    if (m.last != m.first) a += "-" + format_ipv4(m.last);
    return m.port ? a + " port " + std::to_string(m.port) : a;
}

void parse_member(const Node& n, VirtualServerGroupConf& g, Diagnostics& diag) {
    GroupMemberConf m;
    m.where = n.where;
    if (n.has_block) {
        diag.error(n.where, "virtual_server_group " + g.name + ": '" + n.keyword + "' takes no { } block");
        return;
    }
    if (n.keyword == "fwmark") {
        if (n.args.size() == 2 && n.args[1] == "inet") {
            // keepalived's address family; IPv4 is the only one here
        } else if (n.args.size() != 1) {
            diag.error(n.where, "virtual_server_group " + g.name + ": fwmark takes one number");
            return;
        }
        auto v = int_arg(n, diag, 1, 0xffffffffLL);
        if (!v) return;
        m.fwmark = static_cast<uint32_t>(*v);
    } else {
        if (n.args.size() > 1) {
            diag.error(n.where, "virtual_server_group " + g.name + ": a member is IP [PORT], IP-RANGE [PORT] or fwmark N");
            return;
        }
        std::string why;
        auto range = parse_address_range(n.keyword, why);
        if (!range) {
            diag.error(n.where, "virtual_server_group " + g.name + ": '" + n.keyword + "': " + why);
            return;
        }
        m.first = range->first;
        m.last = range->second;
        if (!n.args.empty()) {
            auto p = int_arg(n, diag, 0, 65535);  // 0: no port, as when none is given
            if (!p) return;
            m.port = static_cast<uint16_t>(*p);
        }
        if (size_of(m) > kMaxGroupMembers) {
            diag.error(n.where, "virtual_server_group " + g.name + ": '" + n.keyword + "' is " +
                                    std::to_string(size_of(m)) + " addresses, more than the " +
                                    std::to_string(kMaxGroupMembers) + " services a group may expand to");
            return;
        }
    }
    g.members.push_back(m);
}

// The members of one group so far, indexed so that a file of many thousand member lines is checked
// for repeats in n log n: address ranges on one port never overlap, so the only candidate is the range
// starting last at or before the new one's end.
class MemberIndex {
public:
    explicit MemberIndex(const VirtualServerGroupConf& g) : g_(g) {}
    // A member the group already has, in full or in part.
    const GroupMemberConf* overlap(const GroupMemberConf& m) const {
        if (m.fwmark) {
            auto it = marks_.find(m.fwmark);
            return it == marks_.end() ? nullptr : &g_.members[it->second];
        }
        auto it = ranges_.upper_bound({m.port, m.last});
        if (it == ranges_.begin()) return nullptr;
        --it;
        const GroupMemberConf& o = g_.members[it->second];
        return o.port == m.port && o.last >= m.first ? &o : nullptr;
    }
    void add(const GroupMemberConf& m, size_t index) {
        if (m.fwmark) marks_[m.fwmark] = index;
        else ranges_[{m.port, m.first}] = index;
    }

private:
    const VirtualServerGroupConf& g_;
    std::map<std::pair<uint16_t, uint32_t>, size_t> ranges_;  // (port, first address) -> member
    std::map<uint32_t, size_t> marks_;
};

}  // namespace

std::optional<std::pair<uint32_t, uint32_t>> parse_address_range(const std::string& text, std::string& why) {
    if (auto slash = text.find('/'); slash != std::string::npos) {
        auto base = parse_ipv4(text.substr(0, slash));
        std::string len = text.substr(slash + 1);
        if (!base) {
            why = "'" + text.substr(0, slash) + "' is not an IPv4 address";
            return std::nullopt;
        }
        if (len.empty() || len.size() > 2 || len.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(len) > 32) {
            why = "prefix length '" + len + "' is not 0..32";
            return std::nullopt;
        }
        int bits = std::stoi(len);
        uint32_t host = bits == 0 ? 0xffffffffu : (bits == 32 ? 0u : 0xffffffffu >> bits);
        if (*base & host) {
            why = "host bits set; the network is " + format_ipv4(*base & ~host) + "/" + len;
            return std::nullopt;
        }
        return std::pair{*base, *base | host};
    }
    auto dash = text.find('-');
    if (dash == std::string::npos) {
        auto a = parse_ipv4(text);
        if (!a) {
            why = "not an IPv4 address or range";
            return std::nullopt;
        }
        return std::pair{*a, *a};
    }
    auto first = parse_ipv4(text.substr(0, dash));
    if (!first) {
        why = "'" + text.substr(0, dash) + "' is not an IPv4 address";
        return std::nullopt;
    }
    std::string end = text.substr(dash + 1);
    std::optional<uint32_t> last;
    if (end.find('.') == std::string::npos) {
        auto o = octet(end);
        if (!o) {
            why = "range end '" + end + "' is not an octet 0..255";
            return std::nullopt;
        }
        last = (*first & 0xffffff00u) | *o;
    } else {
        last = parse_ipv4(end);
        if (!last) {
            why = "range end '" + end + "' is not an IPv4 address";
            return std::nullopt;
        }
    }
    if (*last < *first) {
        why = "range ends (" + format_ipv4(*last) + ") before it starts (" + format_ipv4(*first) + ")";
        return std::nullopt;
    }
    return std::pair{*first, *last};
}

void parse_virtual_server_group(const Node& n, Config& out, Diagnostics& diag) {
    if (n.args.size() != 1) {
        diag.error(n.where, "virtual_server_group takes one NAME");
        return;
    }
    if (!n.has_block) {
        diag.error(n.where, "virtual_server_group needs a { ... } block");
        return;
    }
    VirtualServerGroupConf g;
    g.name = n.arg();
    g.where = n.where;
    for (const auto& other : out.virtual_server_groups) {
        if (other.name == g.name) {
            diag.error(n.where, "virtual_server_group " + g.name + " is defined twice (first at " + other.where.str() + ")");
            return;
        }
    }
    uint64_t total = 0;
    for (const auto& other : out.virtual_server_groups)
        for (const auto& m : other.members) total += size_of(m);
    MemberIndex index(g);
    bool capped = false;
    for (const Node& c : n.children) {
        VirtualServerGroupConf one{g.name, {}, g.where};
        parse_member(c, one, diag);
        if (one.members.empty()) continue;
        const GroupMemberConf& m = one.members.front();
        if (const auto* o = index.overlap(m)) {
            diag.error(m.where, "virtual_server_group " + g.name + ": " + member_text(m) + " is listed twice (" +
                                    member_text(*o) + " at " + o->where.str() + ")");
            continue;
        }
        total += size_of(m);
        if (total > kMaxGroupMembers) {
            diag.error(m.where, "virtual_server_group " + g.name + ": the groups of this file expand to more than " +
                                    std::to_string(kMaxGroupMembers) + " services");
            capped = true;
            break;
        }
        g.members.push_back(m);
        index.add(m, g.members.size() - 1);
    }
    // Kept even when empty or cut short, so that its users are not also reported as naming an unknown group.
    // Only a block with no member line is "empty": a bad line has its own error already.
    if (n.children.empty() && !capped) diag.error(n.where, "virtual_server_group " + g.name + " has no members");
    out.virtual_server_groups.push_back(std::move(g));
}

void resolve_virtual_server_groups(Config& cfg, Diagnostics& diag) {
    // Every kernel service the file names, and which section names it, so that no service is programmed
    // from two sections (they would fight over its real servers).
    std::map<ipvs::ServiceKey, const VirtualServerConf*> owner;
    for (const auto& vs : cfg.virtual_servers)
        if (vs.group.empty()) owner.emplace(vs.key, &vs);
    std::set<std::string> used;
    for (auto& vs : cfg.virtual_servers) {
        if (vs.group.empty()) continue;
        vs.members.clear();
        const VirtualServerGroupConf* g = nullptr;
        for (const auto& x : cfg.virtual_server_groups)
            if (x.name == vs.group) g = &x;
        if (!g) {
            diag.error(vs.where, "virtual_server group " + vs.group + ": no virtual_server_group " + vs.group +
                                     " is defined");
            continue;
        }
        used.insert(g->name);
        for (const auto& m : g->members) {
            if (!m.fwmark && m.port == 0 && vs.persistence_timeout_s == 0) {
                diag.error(m.where, "virtual_server_group " + g->name + ": " + member_text(m) +
                                        " has no port, which IPVS accepts only for a persistent service; give it "
                                        "a PORT or set persistence_timeout in virtual_server at " + vs.where.str());
                continue;
            }
            for (uint64_t a = m.first; a <= m.last; ++a) {
                ipvs::ServiceKey k;
                if (m.fwmark) {
                    k.fwmark = m.fwmark;  // as a fwmark virtual_server: protocol TCP, the kernel's report
                } else {
                    k.protocol = vs.key.protocol;
                    k.address = static_cast<uint32_t>(a);
                    k.port = m.port;
                }
                auto [it, fresh] = owner.emplace(k, &vs);
                if (!fresh) {
                    // One message per member line: an overlapping range would otherwise repeat it per address.
                    const VirtualServerConf& o = *it->second;
                    diag.error(m.where, "virtual_server_group " + g->name + ": " + ipvs::describe(k) + " of " +
                                            vs.name() + " (at " + vs.where.str() + ") is also programmed by " +
                                            (&o == &vs ? "this group" : "virtual_server " + o.name()) + " at " +
                                            o.where.str());
                    break;
                }
                vs.members.push_back(k);
            }
        }
    }
    for (const auto& g : cfg.virtual_server_groups)
        if (!used.count(g.name))
            diag.warning(g.where, "virtual_server_group " + g.name + " is not used by any virtual_server");
}

}  // namespace director::config
