#include "director/care/network.hpp"

#include <cstdio>
#include <set>

#include <spdlog/spdlog.h>

#include "director/care/rtnl.hpp"
#include "host/run_command.hpp"
#include "host/sysctl.hpp"

namespace director::care {

namespace {

constexpr uint32_t kRouteMetric = 50;
constexpr const char* kConntrackSysctl = "net.ipv4.vs.conntrack";

std::vector<std::string> iptables(const IptablesRule& r, const char* op) {
    std::vector<std::string> argv{"iptables", "-w", "5", "-t", r.table, op, r.chain};
    argv.insert(argv.end(), r.args.begin(), r.args.end());
    return argv;
}

bool ours(const std::string& chain) {
    for (const char* c : kOurNatChains)
        if (chain == c) return true;
    return false;
}

void ensure_rule(const IptablesRule& r, std::vector<std::string>& errors) {
    if (host::run_command(iptables(r, "-C")).status == 0) return;
    auto argv = iptables(r, r.prepend ? "-I" : "-A");
    if (r.prepend) argv.insert(argv.begin() + 7, "1");
    spdlog::info("Adding iptables rule: -t {} {} {}", r.table, r.prepend ? "-I" : "-A", r.chain);
    if (auto res = host::run_command(argv); res.status != 0) errors.push_back("iptables -t " + r.table + " " + r.chain + ": " + res.output);
}

// Rules missing from the live tables. One iptables-save per round instead of an `iptables -C` per rule:
// exec'ing iptables dominates care's CPU use otherwise.
std::vector<IptablesRule> missing_rules(const std::vector<IptablesRule>& rules) {
    auto saved = host::run_command({"iptables-save"});
    if (saved.status != 0) return rules;  // cannot tell: check each rule the slow way
    std::set<std::string> present;  // "table\tline"
    std::string table;
    size_t pos = 0;
    while (pos < saved.output.size()) {
        size_t nl = saved.output.find('\n', pos);
        std::string line = saved.output.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? saved.output.size() : nl + 1;
        if (!line.empty() && line[0] == '*') table = line.substr(1);
        else if (line.rfind("-A ", 0) == 0) present.insert(table + "\t" + line);
    }
    std::vector<IptablesRule> missing;
    for (const auto& r : rules)
        if (!present.count(r.table + "\t" + iptables_save_line(r))) {
            spdlog::debug("iptables rule missing: -t {} {}", r.table, iptables_save_line(r));
            missing.push_back(r);
        }
    return missing;
}

}  // namespace

std::string iptables_save_line(const IptablesRule& r) {
    std::string line = "-A " + r.chain;
    for (const auto& a : r.args) line += " " + (a.find(' ') != std::string::npos ? "\"" + a + "\"" : a);
    return line;
}

std::string hex_mark(uint32_t mark) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", mark);
    return buf;
}

std::string ipset_entry(const Endpoint& vs) { return format_ipv4(vs.address) + ",tcp:" + std::to_string(vs.port); }

std::vector<IptablesRule> link_mode_rules(uint32_t mark) {
    const std::string m = hex_mark(mark) + "/" + hex_mark(mark);
    return {
        {"nat", "PREROUTING", false, {"-m", "comment", "--comment", "virtual service portals", "-j", "VIRTUAL-SERVICES"}},
        {"nat", "VIRTUAL-SERVICES", false,
         {"-m", "comment", "--comment", "virtual service ip + port for masquerade purpose", "-m", "set",
          "--match-set", kVirtualIPSet, "dst,dst", "-j", "VIRTUAL-MARK-MASQ"}},
        {"nat", "VIRTUAL-MARK-MASQ", false, {"-j", "MARK", "--set-xmark", m}},
        {"nat", "POSTROUTING", false,
         {"-m", "comment", "--comment", "virtual service postrouting rules", "-j", "VIRTUAL-POSTROUTING"}},
        {"nat", "VIRTUAL-POSTROUTING", false, {"-m", "mark", "!", "--mark", m, "-j", "RETURN"}},
        // Masked match (lvscare's README writes "--mark 0x2"): CNIs that set other mark bits (cilium's
        // 0xc00/0xf00) would otherwise turn SNAT off.
        {"nat", "VIRTUAL-POSTROUTING", false,
         {"-m", "comment", "--comment", "virtual service traffic requiring SNAT", "-m", "mark", "--mark", m, "-j",
          "MASQUERADE"}},
        {"nat", "OUTPUT", false, {"-m", "comment", "--comment", "virtual service portals", "-j", "VIRTUAL-SERVICES"}},
        {"filter", "OUTPUT", true,
         {"-m", "comment", "--comment", "accept for all marked by lvscare", "-m", "mark", "--mark", m, "-j", "ACCEPT"}},
    };
}

void Network::ensure() {
    if (o_.mode == Mode::Route) ensure_route();
    else ensure_link();
}

void Network::ensure_route() {
    if (!o_.gateway) {
        if (!warned_no_gateway_)
            spdlog::warn("route mode: no --ip and no lvscare.node.ip in /etc/hosts, not adding a route for {}",
                         format_ipv4(o_.vs.address));
        warned_no_gateway_ = true;
        return;
    }
    Rtnl nl;
    nl.replace_host_route(o_.vs.address, *o_.gateway, kRouteMetric);
}

void Network::ensure_link() {
    std::vector<std::string> errors;
    try {
        Rtnl nl;
        int idx = nl.ensure_dummy(o_.iface);
        nl.ensure_address(idx, o_.vs.address);
    } catch (const std::exception& e) {
        errors.push_back(e.what());
    }
    if (!host::ensure_sysctl(kConntrackSysctl, "1").error.empty())
        errors.push_back("cannot set /proc/sys/net/ipv4/vs/conntrack (is ip_vs loaded?)");
    const std::string entry = ipset_entry(o_.vs);
    if (host::run_command({"ipset", "add", kVirtualIPSet, entry, "-exist"}).status != 0) {
        host::run_command({"ipset", "create", kVirtualIPSet, "hash:ip,port", "-exist"});
        if (auto r = host::run_command({"ipset", "add", kVirtualIPSet, entry, "-exist"}); r.status != 0)
            errors.push_back("ipset add " + std::string(kVirtualIPSet) + " " + entry + ": " + r.output);
    }
    auto missing = missing_rules(link_mode_rules(o_.masquerade_mark()));
    if (!missing.empty())  // jumps need their target chains; -N on an existing chain fails harmlessly
        for (const char* chain : kOurNatChains) host::run_command({"iptables", "-w", "5", "-t", "nat", "-N", chain});
    for (const auto& rule : missing) ensure_rule(rule, errors);
    if (!errors.empty()) {
        std::string all;
        for (auto& e : errors) all += (all.empty() ? "" : "; ") + e;
        throw std::runtime_error(all);
    }
}

void Network::clean() {
    if (o_.mode == Mode::Route) {
        if (!o_.gateway) return;
        Rtnl nl;
        if (nl.delete_host_route(o_.vs.address, *o_.gateway, kRouteMetric))
            spdlog::info("Deleted route {}/32 via {}", format_ipv4(o_.vs.address), format_ipv4(*o_.gateway));
        return;
    }
    // Hooks first (a chain cannot be deleted while referenced), then our chains, then the set they use.
    for (const auto& rule : link_mode_rules(o_.masquerade_mark())) {
        if (ours(rule.chain)) continue;
        while (host::run_command(iptables(rule, "-C")).status == 0)
            if (host::run_command(iptables(rule, "-D")).status != 0) break;
    }
    for (const char* chain : kOurNatChains) host::run_command({"iptables", "-w", "5", "-t", "nat", "-F", chain});
    for (const char* chain : kOurNatChains) host::run_command({"iptables", "-w", "5", "-t", "nat", "-X", chain});
    host::run_command({"ipset", "destroy", kVirtualIPSet});
    Rtnl nl;
    if (nl.delete_dummy(o_.iface)) spdlog::info("Deleted dummy interface {}", o_.iface);
}

}  // namespace director::care
