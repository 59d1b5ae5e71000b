#include "director/ipvs/format.hpp"

#include <algorithm>
#include <cstdio>

#include "host/ipv4.hpp"

namespace director::ipvs {

namespace {

std::string printf_str(const char* fmt, auto... args) {
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, fmt, args...);
    return std::string(buf, n < 0 ? 0 : std::min<size_t>(n, sizeof buf - 1));
}

// ipvsadm compares by subtracting unsigned fields and reading the result as int; the same here keeps the
// order identical even where that wraps.
int cmp_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

bool service_less(const ServiceState& x, const ServiceState& y) {
    const ServiceKey &a = x.service.key, &b = y.service.key;
    if (int r = cmp_diff(a.fwmark, b.fwmark)) return r < 0;
    if (int r = cmp_diff(static_cast<uint16_t>(a.protocol), static_cast<uint16_t>(b.protocol))) return r < 0;
    if (int r = cmp_diff(a.address, b.address)) return r < 0;
    return cmp_diff(a.port, b.port) < 0;
}

bool dest_less(const DestinationState& x, const DestinationState& y) {
    if (int r = cmp_diff(x.dest.address, y.dest.address)) return r < 0;
    return cmp_diff(x.dest.port, y.dest.port) < 0;
}

std::string sched_flags(const Service& s) {
    std::string f;
    auto add = [&](uint32_t bit, const char* name) {
        if (s.flags & bit) f += std::string(name) + ",";
    };
    if (s.scheduler == "sh" || s.scheduler == "mh") {
        add(kFlagSched1, s.scheduler == "sh" ? "sh-fallback" : "mh-fallback");
        add(kFlagSched2, s.scheduler == "sh" ? "sh-port" : "mh-port");
        add(kFlagSched3, "flag-3");
    } else {
        add(kFlagSched1, "flag-1");
        add(kFlagSched2, "flag-2");
        add(kFlagSched3, "flag-3");
    }
    if (!f.empty()) f.pop_back();
    return f;
}

std::string service_name(const ServiceKey& k) {
    if (k.fwmark) return "FWM  " + std::to_string(k.fwmark);
    std::string n = printf_str("%-4s %s", protocol_name(k.protocol), format_addr_port(k.address, k.port).c_str());
    if (n.size() > 33) n.resize(33);
    return n;
}

std::string dest_name(const Destination& d) {
    std::string n = format_addr_port(d.address, d.port);
    if (n.size() > 28) n.resize(28);
    return n;
}

std::string title(ListFormat fmt) {
    switch (fmt) {
        case ListFormat::Stats:
            return printf_str("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Conns",
                              "InPkts", "OutPkts", "InBytes", "OutBytes");
        case ListFormat::Rate:
            return printf_str("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "CPS",
                              "InPPS", "OutPPS", "InBPS", "OutBPS");
        case ListFormat::Thresholds:
            return printf_str("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                              "Uthreshold", "Lthreshold", "ActiveConn", "InActConn");
        case ListFormat::Persistent:
            return printf_str("%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                              "Weight", "PersistConn", "ActiveConn", "InActConn");
        case ListFormat::Plain:
            break;
    }
    return "Prot LocalAddress:Port Scheduler Flags\n"
           "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
}

std::string five(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    return format_largenum(a) + format_largenum(b) + format_largenum(c) + format_largenum(d) + format_largenum(e);
}

}  // namespace

std::string format_largenum(uint64_t i) {
    if (i < 100000000ULL) return printf_str("%9llu", static_cast<unsigned long long>(i));
    if (i < 1000000000ULL) return printf_str("%8lluK", static_cast<unsigned long long>(i / 1000));
    if (i < 100000000000ULL) return printf_str("%8lluM", static_cast<unsigned long long>(i / 1000000));
    if (i < 100000000000000ULL) return printf_str("%8lluG", static_cast<unsigned long long>(i / 1000000000ULL));
    return printf_str("%8lluT", static_cast<unsigned long long>(i / 1000000000000ULL));
}

std::string format_version(const Info& info) {
    return printf_str("IP Virtual Server version %u.%u.%u (size=%u)", (info.version >> 16) & 0xff,
                      (info.version >> 8) & 0xff, info.version & 0xff, info.conn_tab_size);
}

std::string format_ipvsadm(const Info& info, std::vector<ServiceState> services, ListFormat fmt) {
    std::string out = format_version(info) + "\n" + title(fmt);
    std::sort(services.begin(), services.end(), service_less);
    for (auto& svc : services) {
        const Service& s = svc.service;
        std::string name = service_name(s.key);
        switch (fmt) {
            case ListFormat::Stats: {
                const Stats& st = svc.stats;
                out += printf_str("%-33s", name.c_str()) + five(st.conns, st.inpkts, st.outpkts, st.inbytes, st.outbytes);
                break;
            }
            case ListFormat::Rate: {
                const Stats& st = svc.stats;
                out += printf_str("%-33s", name.c_str()) + five(st.cps, st.inpps, st.outpps, st.inbps, st.outbps);
                break;
            }
            case ListFormat::Plain:
            default: {
                out += name + " " + s.scheduler;
                std::string f = sched_flags(s);
                if (!f.empty()) out += " (" + f + ")";
                if (s.flags & kFlagPersistent) {
                    out += " persistent " + std::to_string(s.timeout_s);
                    if (s.netmask != 0xffffffff) out += " mask " + host::format_ipv4(s.netmask);
                }
                if (s.flags & kFlagOnePacket) out += " ops";
                break;
            }
        }
        out += "\n";
        std::sort(svc.destinations.begin(), svc.destinations.end(), dest_less);
        for (const auto& ds : svc.destinations) {
            const Destination& d = ds.dest;
            std::string dn = dest_name(d);
            const Stats& st = ds.stats;
            switch (fmt) {
                case ListFormat::Stats:
                    out += printf_str("  -> %-28s", dn.c_str()) +
                           five(st.conns, st.inpkts, st.outpkts, st.inbytes, st.outbytes) + "\n";
                    break;
                case ListFormat::Rate:
                    out += printf_str("  -> %-28s %8u %8u %8u", dn.c_str(), static_cast<unsigned>(st.cps),
                                      static_cast<unsigned>(st.inpps), static_cast<unsigned>(st.outpps)) +
                           format_largenum(st.inbps) + format_largenum(st.outbps) + "\n";
                    break;
                case ListFormat::Thresholds:
                    out += printf_str("  -> %-28s %-10u %-10u %-10u %-10u\n", dn.c_str(), d.u_threshold, d.l_threshold,
                                      ds.active_conns, ds.inactive_conns);
                    break;
                case ListFormat::Persistent:
                    out += printf_str("  -> %-28s %-9u %-11u %-10u %-10u\n", dn.c_str(), static_cast<unsigned>(d.weight),
                                      ds.persistent_conns, ds.active_conns, ds.inactive_conns);
                    break;
                case ListFormat::Plain:
                    out += printf_str("  -> %-28s %-7s %-6d %-10u %-10u\n", dn.c_str(), forward_name(d.forward), d.weight,
                                      ds.active_conns, ds.inactive_conns);
                    break;
            }
        }
    }
    return out;
}

std::string format_timeouts(const Timeouts& t) {
    return printf_str("Timeout (tcp tcpfin udp): %u %u %u\n", t.tcp, t.tcp_fin, t.udp);
}

std::string format_sync_daemons(const std::vector<SyncDaemon>& ds) {
    std::string out;
    // ipvsadm prints the master first, then the backup; the extra fields only when the kernel sent them.
    for (auto want : {SyncState::Master, SyncState::Backup})
        for (const auto& d : ds) {
            if (d.state != want) continue;
            out += printf_str("%s sync daemon (mcast=%s, syncid=%u", want == SyncState::Master ? "master" : "backup",
                              d.mcast_ifn.c_str(), d.syncid);
            if (d.maxlen) out += printf_str(", maxlen=%u", d.maxlen);
            if (d.mcast_group) out += ", group=" + host::format_ipv4(d.mcast_group);
            if (d.mcast_port) out += printf_str(", port=%u", d.mcast_port);
            if (d.mcast_ttl) out += printf_str(", ttl=%u", d.mcast_ttl);
            out += ")\n";
        }
    return out;
}

namespace {
nlohmann::json stats_json(const Stats& s) {
    return {{"conns", s.conns}, {"inpkts", s.inpkts}, {"outpkts", s.outpkts}, {"inbytes", s.inbytes},
            {"outbytes", s.outbytes}, {"cps", s.cps}, {"inpps", s.inpps}, {"outpps", s.outpps},
            {"inbps", s.inbps}, {"outbps", s.outbps}};
}
}  // namespace

nlohmann::json to_json(const ServiceState& svc) {
    const Service& s = svc.service;
    nlohmann::json j;
    if (s.key.fwmark) {
        j["fwmark"] = s.key.fwmark;
    } else {
        j["protocol"] = protocol_name(s.key.protocol);
        j["address"] = host::format_ipv4(s.key.address);
        j["port"] = s.key.port;
    }
    j["scheduler"] = s.scheduler;
    j["flags"] = s.flags;
    j["persistent"] = (s.flags & kFlagPersistent) != 0;
    j["timeout"] = s.timeout_s;
    j["netmask"] = host::format_ipv4(s.netmask);
    j["stats"] = stats_json(svc.stats);
    auto dests = nlohmann::json::array();
    auto sorted = svc.destinations;
    std::sort(sorted.begin(), sorted.end(), dest_less);
    for (const auto& ds : sorted) {
        dests.push_back({{"address", host::format_ipv4(ds.dest.address)},
                         {"port", ds.dest.port},
                         {"forward", forward_name(ds.dest.forward)},
                         {"weight", ds.dest.weight},
                         {"u_threshold", ds.dest.u_threshold},
                         {"l_threshold", ds.dest.l_threshold},
                         {"active_conns", ds.active_conns},
                         {"inactive_conns", ds.inactive_conns},
                         {"persistent_conns", ds.persistent_conns},
                         {"stats", stats_json(ds.stats)}});
    }
    j["destinations"] = dests;
    return j;
}

nlohmann::json to_json(const Info& info, const std::vector<ServiceState>& services) {
    auto sorted = services;
    std::sort(sorted.begin(), sorted.end(), service_less);
    auto arr = nlohmann::json::array();
    for (const auto& s : sorted) arr.push_back(to_json(s));
    return {{"version", printf_str("%u.%u.%u", (info.version >> 16) & 0xff, (info.version >> 8) & 0xff,
                                   info.version & 0xff)},
            {"conn_tab_size", info.conn_tab_size},
            {"services", arr}};
}

}  // namespace director::ipvs
