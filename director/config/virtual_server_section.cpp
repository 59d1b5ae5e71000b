// The virtual_server section: keepalived's keywords, checked as they are read so every mistake is reported
// with its file:line in one pass.
#include <algorithm>
#include <cctype>

#include "director/config/model.hpp"
#include "director/config/values.hpp"

namespace director::config {

namespace {

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string joined_args(const Node& n) {
    std::string s;
    for (const auto& a : n.args) s += (s.empty() ? "" : " ") + a;
    return s;
}

std::optional<ipvs::Forward> forward_arg(const Node& n, Diagnostics& diag) {
    if (!expect_args(n, 1, diag)) return std::nullopt;
    std::string v = upper(n.arg());
    if (v == "NAT") return ipvs::Forward::Masq;
    if (v == "DR") return ipvs::Forward::Route;
    if (v == "TUN") return ipvs::Forward::Tunnel;
    diag.error(n.where, n.keyword + ": '" + n.arg() + "' is not a forwarding method (NAT, DR or TUN)");
    return std::nullopt;
}

std::optional<uint16_t> port_arg(const Node& n, Diagnostics& diag, size_t i, bool zero_ok) {
    auto v = int_arg(n, diag, zero_ok ? 0 : 1, 65535, i);
    if (!v) return std::nullopt;
    return static_cast<uint16_t>(*v);
}

// A netmask as a dotted quad ("255.255.255.0") or a prefix length ("24").
std::optional<uint32_t> netmask_arg(const Node& n, Diagnostics& diag) {
    if (!expect_args(n, 1, diag)) return std::nullopt;
    if (auto m = parse_ipv4(n.arg())) {
        uint32_t inv = ~*m;
        if ((inv & (inv + 1)) == 0) return *m;  // contiguous ones
        diag.error(n.where, n.keyword + ": '" + n.arg() + "' is not a contiguous netmask");
        return std::nullopt;
    }
    auto p = int_arg(n, diag, 1, 32);
    if (!p) return std::nullopt;
    return *p == 32 ? 0xffffffffu : ~(0xffffffffu >> *p);
}

bool set_flag(const Node& n, Diagnostics& diag, bool& out) {
    auto v = flag_arg(n, diag);
    if (v) out = *v;
    return v.has_value();
}

void parse_real_server(const Node& n, VirtualServerConf& vs, Diagnostics& diag) {
    RealServerConf rs;
    rs.where = n.where;
    rs.inhibit_on_failure = vs.inhibit_on_failure;
    if (n.args.size() < 1 || n.args.size() > 2) {
        diag.error(n.where, "real_server takes IP [PORT]");
        return;
    }
    auto ip = ipv4_arg(n, diag, 0);
    // Port 0 forwards to the port each connection came to: the only choice for a fwmark service, and
    // what a group's real server without a port means (its members may differ in port).
    const bool any_port = vs.key.fwmark != 0 || !vs.group.empty();
    std::optional<uint16_t> port = uint16_t{0};
    if (n.args.size() == 2) {
        port = port_arg(n, diag, 1, any_port);
    } else if (!any_port) {
        port = vs.key.port;  // keepalived: a missing port means the virtual server's
    }
    if (!ip || !port) return;
    rs.address = *ip;
    rs.port = *port;
    bool inhibit_set = false;
    for (const Node& c : n.children) {
        const std::string& k = c.keyword;
        if (k == "weight") {
            if (auto v = int_arg(c, diag, 0, 65535)) rs.weight = static_cast<int32_t>(*v);
        } else if (k == "inhibit_on_failure") {
            inhibit_set = set_flag(c, diag, rs.inhibit_on_failure);
        } else if (k == "notify_up") {
            if (c.args.empty()) diag.error(c.where, "notify_up: missing script");
            rs.notify_up = joined_args(c);
        } else if (k == "notify_down") {
            if (c.args.empty()) diag.error(c.where, "notify_down: missing script");
            rs.notify_down = joined_args(c);
        } else if (k == "uthreshold") {
            if (auto v = int_arg(c, diag, 0, 65535)) rs.u_threshold = static_cast<uint32_t>(*v);
        } else if (k == "lthreshold") {
            if (auto v = int_arg(c, diag, 0, 65535)) rs.l_threshold = static_cast<uint32_t>(*v);
        } else if (k == "lb_kind" || k == "lvs_method") {
            if (auto f = forward_arg(c, diag)) rs.forward = *f;
        } else if (parse_checker(c, rs.checkers, diag)) {
        } else if (is_ignored_keepalived_keyword(k)) {
            warn_ignored(c, diag);
        } else {
            diag.error(c.where, "unknown keyword '" + k + "' in real_server");
        }
    }
    (void)inhibit_set;
    if (rs.l_threshold && rs.u_threshold && rs.l_threshold > rs.u_threshold)
        diag.error(n.where, "real_server: lthreshold is above uthreshold");
    if (!vs.group.empty() && rs.port == 0) {
        for (const auto& c : rs.checkers)
            if (c.kind != CheckerKind::Misc && !c.connect_port)
                diag.error(c.where, std::string(keyword(c.kind)) + " of real_server " + config::format_ipv4(rs.address) +
                                        " in a group has no port to check: give the real_server a PORT or the "
                                        "check a connect_port");
    }
    ipvs::Forward fwd = rs.forward.value_or(vs.forward);
    if (fwd != ipvs::Forward::Masq && !any_port && rs.port != vs.key.port) {
        // DR and TUN cannot translate ports: the kernel would forward to the virtual port anyway.
        diag.warning(n.where, "real_server port " + std::to_string(rs.port) + " differs from the virtual port " +
                                  std::to_string(vs.key.port) + ", which DR/TUN cannot translate; using " +
                                  std::to_string(vs.key.port));
        rs.port = vs.key.port;
    }
    for (const auto& other : vs.real_servers) {
        if (other.address == rs.address && other.port == rs.port) {
            diag.error(n.where, "real_server " + ipvs::format_addr_port(rs.address, rs.port) +
                                    " is listed twice in " + vs.name() + " (first at " + other.where.str() + ")");
            return;
        }
    }
    vs.real_servers.push_back(std::move(rs));
}

}  // namespace

ipvs::Service VirtualServerConf::service(const ipvs::ServiceKey& k) const {
    ipvs::Service s;
    s.key = k;
    s.scheduler = scheduler;
    s.flags = sched_flags;
    if (persistence_timeout_s) {
        s.flags |= ipvs::kFlagPersistent;
        s.timeout_s = persistence_timeout_s;
        s.netmask = persistence_granularity;
    }
    return s;
}

std::set<uint32_t> service_addresses(const Config& cfg) {
    std::set<uint32_t> out;
    for (const auto& vs : cfg.virtual_servers)
        for (const auto& k : vs.service_keys())
            if (!k.fwmark) out.insert(k.address);
    return out;
}

std::string VirtualServerConf::name() const {
    if (!group.empty()) return std::string(ipvs::protocol_name(key.protocol)) + " group " + group;
    return ipvs::describe(key);
}

void parse_virtual_server(const Node& n, Config& out, Diagnostics& diag) {
    VirtualServerConf vs;
    vs.where = n.where;
    if (n.args.size() == 2 && n.args[0] == "fwmark") {
        auto m = int_arg(n, diag, 1, 0xffffffffLL, 1);
        if (!m) return;
        vs.key.fwmark = static_cast<uint32_t>(*m);
    } else if (n.args.size() == 2 && n.args[0] == "group") {
        vs.group = n.args[1];  // resolved once the whole file is read: the group may come later
    } else if (n.args.size() == 2) {
        auto ip = ipv4_arg(n, diag, 0);
        auto port = port_arg(n, diag, 1, false);
        if (!ip || !port) return;
        vs.key.address = *ip;
        vs.key.port = *port;
    } else {
        diag.error(n.where, "virtual_server takes IP PORT, fwmark N or group NAME");
        return;
    }
    if (!n.has_block) {
        diag.error(n.where, "virtual_server needs a { ... } block");
        return;
    }

    // Keywords that real servers inherit are read first, wherever they appear in the block.
    bool protocol_set = false;
    for (const Node& c : n.children) {
        if (c.keyword == "lb_kind" || c.keyword == "lvs_method") {
            if (auto f = forward_arg(c, diag)) vs.forward = *f;
        } else if (c.keyword == "inhibit_on_failure") {
            set_flag(c, diag, vs.inhibit_on_failure);
        } else if (c.keyword == "protocol") {
            if (!expect_args(c, 1, diag)) continue;
            protocol_set = true;
            std::string p = upper(c.arg());
            if (p == "TCP") vs.key.protocol = ipvs::Protocol::TCP;
            else if (p == "UDP") vs.key.protocol = ipvs::Protocol::UDP;
            else if (p == "SCTP") vs.key.protocol = ipvs::Protocol::SCTP;
            else diag.error(c.where, "protocol: '" + c.arg() + "' is not TCP, UDP or SCTP");
        }
    }
    if (vs.key.fwmark) {
        vs.key.protocol = ipvs::Protocol::TCP;  // the kernel ignores it for fwmark services
    } else if (!protocol_set) {
        // keepalived's default, so one file means the same service under both programs.
        vs.key.protocol = ipvs::Protocol::UDP;
        diag.warning(n.where, "virtual_server: no protocol set - defaulting to UDP, as keepalived does "
                              "(an apiserver needs 'protocol TCP')");
    }

    for (const Node& c : n.children) {
        const std::string& k = c.keyword;
        if (k == "lb_kind" || k == "lvs_method" || k == "inhibit_on_failure" || k == "protocol") {
            continue;
        } else if (k == "delay_loop") {
            if (auto v = seconds_arg(c, diag, 100, 86400LL * 1000)) vs.delay_loop_ms = *v;
        } else if (k == "drain_timeout") {
            if (auto v = seconds_arg(c, diag, 0, 86400LL * 1000)) vs.drain_timeout_ms = *v;
        } else if (k == "lb_algo" || k == "lvs_sched") {
            if (!expect_args(c, 1, diag)) continue;
            if (ipvs::is_known_scheduler(c.arg()))
                vs.scheduler = c.arg();
            else
                diag.error(c.where, k + ": unknown scheduler '" + c.arg() +
                                        "' (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos)");
        } else if (k == "persistence_timeout") {
            if (c.args.empty()) {
                vs.persistence_timeout_s = 360;  // keepalived's default when no value is given
            } else if (auto v = int_arg(c, diag, 1, 2678400)) {
                vs.persistence_timeout_s = static_cast<uint32_t>(*v);
            }
        } else if (k == "persistence_granularity") {
            if (auto m = netmask_arg(c, diag)) vs.persistence_granularity = *m;
        } else if (k == "quorum") {
            if (auto v = int_arg(c, diag, 1, 1 << 30)) vs.quorum = static_cast<int>(*v);
        } else if (k == "hysteresis") {
            if (auto v = int_arg(c, diag, 0, 1 << 30)) vs.hysteresis = static_cast<int>(*v);
        } else if (k == "sorry_server") {
            if (!expect_args(c, 2, diag)) continue;
            auto ip = ipv4_arg(c, diag, 0);
            auto port = port_arg(c, diag, 1, vs.key.fwmark != 0 || !vs.group.empty());
            if (ip && port) vs.sorry_server = SorryServerConf{*ip, *port, c.where};
        } else if (k == "alpha") {
            set_flag(c, diag, vs.alpha);
        } else if (k == "omega") {
            set_flag(c, diag, vs.omega);
        } else if (k == "virtualhost") {
            if (expect_args(c, 1, diag)) vs.virtualhost = c.arg();
        } else if (k == "quorum_up") {
            vs.quorum_up = joined_args(c);
        } else if (k == "quorum_down") {
            vs.quorum_down = joined_args(c);
        } else if (k == "ops") {
            bool on = false;
            if (set_flag(c, diag, on) && on) vs.sched_flags |= ipvs::kFlagOnePacket;
        } else if (k == "sh-fallback" || k == "mh-fallback" || k == "flag-1") {
            vs.sched_flags |= ipvs::kFlagSched1;
        } else if (k == "sh-port" || k == "mh-port" || k == "flag-2") {
            vs.sched_flags |= ipvs::kFlagSched2;
        } else if (k == "flag-3") {
            vs.sched_flags |= ipvs::kFlagSched3;
        } else if (k == "real_server") {
            parse_real_server(c, vs, diag);
        } else if (k == "smtp_alert") {
            if (auto v = flag_arg(c, diag)) vs.smtp_alert = *v;
        } else if (k == "ha_suspend" || is_ignored_keepalived_keyword(k)) {
            warn_ignored(c, diag);
        } else {
            diag.error(c.where, "unknown keyword '" + k + "' in virtual_server");
        }
    }
    // delay_loop and virtualhost may follow the real servers in the block.
    for (auto& rs : vs.real_servers)
        for (auto& c : rs.checkers) resolve_checker_defaults(c, vs.delay_loop_ms, vs.virtualhost);
    for (const auto& other : out.virtual_servers) {
        if (other.id() != vs.id()) continue;
        if (vs.group.empty())
            diag.error(n.where, "virtual_server " + vs.name() + " is defined twice (first at " + other.where.str() + ")");
        else
            diag.error(n.where, "virtual_server group " + vs.group + " is used twice with protocol " +
                                    ipvs::protocol_name(vs.key.protocol) + " (first at " + other.where.str() +
                                    "); one group serves at most one virtual_server per protocol");
        return;
    }
    out.virtual_servers.push_back(std::move(vs));
}

}  // namespace director::config
