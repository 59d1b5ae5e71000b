#include "director/ipvs/rules.hpp"

#include <charconv>
#include <sstream>

#include "host/ipv4.hpp"

namespace director::ipvs {

namespace {

bool to_uint(const std::string& s, uint64_t max, uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

// "10.0.0.1:80" or "10.0.0.1" (port = dflt).
bool parse_addr_port(const std::string& s, uint16_t dflt, uint32_t& addr, uint16_t& port) {
    auto colon = s.find(':');
    auto a = host::parse_ipv4(s.substr(0, colon));
    if (!a) return false;
    addr = *a;
    port = dflt;
    if (colon != std::string::npos) {
        uint64_t p;
        if (!to_uint(s.substr(colon + 1), 65535, p)) return false;
        port = static_cast<uint16_t>(p);
    }
    return true;
}

}  // namespace

bool parse_rule_words(const std::vector<std::string>& w, int line, RuleCommand& out, std::string& error) {
    out = RuleCommand{};
    out.line = line;
    auto fail = [&](const std::string& m) {
        error = "line " + std::to_string(line) + ": " + m;
        return false;
    };
    if (w.empty()) return fail("empty command");
    std::string cmd;
    Service svc;
    svc.scheduler = "wlc";  // ipvsadm's default
    bool have_svc = false, have_dest = false, have_sched = false;
    Destination dest;
    dest.forward = Forward::Route;  // ipvsadm's default is gatewaying (-g)
    std::string dest_spec;
    for (size_t i = 0; i < w.size(); ++i) {
        const std::string& a = w[i];
        auto next = [&](std::string& v) {
            if (i + 1 >= w.size()) return false;
            v = w[++i];
            return true;
        };
        std::string v;
        if (a == "-A" || a == "--add-service" || a == "-E" || a == "--edit-service" || a == "-D" ||
            a == "--delete-service" || a == "-a" || a == "--add-server" || a == "-e" || a == "--edit-server" ||
            a == "-d" || a == "--delete-server" || a == "-C" || a == "--clear" || a == "-Z" || a == "--zero") {
            if (!cmd.empty()) return fail("two commands in one line: " + cmd + " and " + a);
            cmd = a.size() == 2 ? a : std::string("-") + (a == "--add-service" ? "A" : a == "--edit-service" ? "E"
                                                          : a == "--delete-service" ? "D" : a == "--add-server" ? "a"
                                                          : a == "--edit-server" ? "e" : a == "--delete-server" ? "d"
                                                          : a == "--clear" ? "C" : "Z");
        } else if (a == "--set") {
            cmd = "--set";
            std::string t[3];
            if (!next(t[0]) || !next(t[1]) || !next(t[2])) return fail("--set takes TCP TCPFIN UDP");
            uint64_t x[3];
            for (int k = 0; k < 3; ++k)
                if (!to_uint(t[k], 0xffffffff, x[k])) return fail("--set: '" + t[k] + "' is not a number");
            out.timeouts = {static_cast<uint32_t>(x[0]), static_cast<uint32_t>(x[1]), static_cast<uint32_t>(x[2])};
        } else if (a == "--start-daemon" || a == "--stop-daemon") {
            cmd = a;
            if (!next(v) || (v != "master" && v != "backup")) return fail(a + " takes master or backup");
            out.daemon.state = v == "master" ? SyncState::Master : SyncState::Backup;
        } else if (a == "--mcast-interface") {
            if (!next(out.daemon.mcast_ifn)) return fail("--mcast-interface needs a name");
        } else if (a == "--syncid") {
            uint64_t x;
            if (!next(v) || !to_uint(v, 255, x)) return fail("--syncid takes 0..255");
            out.daemon.syncid = static_cast<uint32_t>(x);
        } else if (a == "-t" || a == "--tcp-service" || a == "-u" || a == "--udp-service" || a == "--sctp-service") {
            if (!next(v) || !parse_addr_port(v, 0, svc.key.address, svc.key.port))
                return fail(a + " takes ADDRESS:PORT");
            svc.key.protocol = (a == "-t" || a == "--tcp-service") ? Protocol::TCP
                               : (a == "-u" || a == "--udp-service") ? Protocol::UDP
                                                                     : Protocol::SCTP;
            have_svc = true;
        } else if (a == "-f" || a == "--fwmark-service") {
            uint64_t x;
            if (!next(v) || !to_uint(v, 0xffffffff, x) || x == 0) return fail(a + " takes a non-zero mark");
            svc.key.fwmark = static_cast<uint32_t>(x);
            have_svc = true;
        } else if (a == "-s" || a == "--scheduler") {
            if (!next(v) || !is_known_scheduler(v)) return fail("unknown scheduler '" + v + "'");
            svc.scheduler = v;
            have_sched = true;
        } else if (a == "-p" || a == "--persistent") {
            svc.flags |= kFlagPersistent;
            svc.timeout_s = 300;  // ipvsadm's default
            uint64_t x;
            if (i + 1 < w.size() && to_uint(w[i + 1], 0xffffffff, x)) {
                svc.timeout_s = static_cast<uint32_t>(x);
                ++i;
            }
        } else if (a == "-M" || a == "--netmask") {
            auto m = next(v) ? host::parse_ipv4(v) : std::nullopt;
            if (!m) return fail("-M takes a dotted netmask");
            svc.netmask = *m;
        } else if (a == "-o" || a == "--ops") {
            svc.flags |= kFlagOnePacket;
        } else if (a == "-b" || a == "--sched-flags") {
            if (!next(v)) return fail("-b takes flags");
            std::stringstream ss(v);
            std::string f;
            while (std::getline(ss, f, ',')) {
                if (f == "sh-fallback" || f == "mh-fallback" || f == "flag-1") svc.flags |= kFlagSched1;
                else if (f == "sh-port" || f == "mh-port" || f == "flag-2") svc.flags |= kFlagSched2;
                else if (f == "flag-3") svc.flags |= kFlagSched3;
                else return fail("unknown scheduler flag '" + f + "'");
            }
        } else if (a == "-r" || a == "--real-server") {
            if (!next(dest_spec)) return fail("-r takes ADDRESS[:PORT]");
            have_dest = true;
        } else if (a == "-g" || a == "--gatewaying") {
            dest.forward = Forward::Route;
        } else if (a == "-i" || a == "--ipip") {
            dest.forward = Forward::Tunnel;
        } else if (a == "-m" || a == "--masquerading") {
            dest.forward = Forward::Masq;
        } else if (a == "-w" || a == "--weight") {
            uint64_t x;
            if (!next(v) || !to_uint(v, 65535, x)) return fail("-w takes 0..65535");
            dest.weight = static_cast<int32_t>(x);
        } else if (a == "-x" || a == "--u-threshold" || a == "-y" || a == "--l-threshold") {
            uint64_t x;
            if (!next(v) || !to_uint(v, 0xffffffff, x)) return fail(a + " takes a number");
            (a == "-x" || a == "--u-threshold" ? dest.u_threshold : dest.l_threshold) = static_cast<uint32_t>(x);
        } else if (a == "-n" || a == "--numeric") {
        } else {
            return fail("unknown option '" + a + "'");
        }
    }
    if (svc.key.fwmark) svc.key = ServiceKey{Protocol::TCP, 0, 0, svc.key.fwmark};
    if (have_dest && !parse_addr_port(dest_spec, svc.key.port, dest.address, dest.port))
        return fail("-r: '" + dest_spec + "' is not ADDRESS[:PORT]");
    (void)have_sched;
    if (cmd == "--set") {
        out.kind = RuleCommand::Kind::SetTimeouts;
    } else if (cmd == "--start-daemon" || cmd == "--stop-daemon") {
        out.kind = cmd == "--start-daemon" ? RuleCommand::Kind::StartDaemon : RuleCommand::Kind::StopDaemon;
        if (out.kind == RuleCommand::Kind::StartDaemon && out.daemon.mcast_ifn.empty())
            return fail("--start-daemon needs --mcast-interface");
    } else if (cmd == "-C") {
        out.kind = RuleCommand::Kind::Clear;
    } else if (cmd == "-Z") {
        out.kind = RuleCommand::Kind::Zero;
    } else if (cmd.empty()) {
        return fail("no command (-A, -E, -D, -a, -e, -d, -C, -Z, --set, --start-daemon, --stop-daemon)");
    } else {
        if (!have_svc) return fail(cmd + " needs a service (-t, -u, --sctp-service or -f)");
        char c = cmd[1];
        if ((c == 'a' || c == 'e' || c == 'd') && !have_dest) return fail(cmd + " needs -r ADDRESS[:PORT]");
        out.kind = RuleCommand::Kind::Change;
        out.op = c == 'A' ? Op::add_service(svc) : c == 'E' ? Op::edit_service(svc) : c == 'D' ? Op::del_service(svc.key)
                 : c == 'a' ? Op::add_dest(svc.key, dest) : c == 'e' ? Op::edit_dest(svc.key, dest)
                            : Op::del_dest(svc.key, dest);
    }
    return true;
}

RuleParse parse_rules(const std::string& text) {
    RuleParse r;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream ws(line);
        std::vector<std::string> words;
        for (std::string w; ws >> w;) words.push_back(w);
        if (words.empty()) continue;
        RuleCommand c;
        std::string err;
        if (parse_rule_words(words, n, c, err))
            r.commands.push_back(std::move(c));
        else
            r.errors.push_back(err);
    }
    return r;
}

}  // namespace director::ipvs
