#pragma once
// What each --mode puts on the node besides the IPVS service.
//   route: VIP/32 via the node IP (metric 50), so traffic to the VIP leaves with the node's address.
//   link:  dummy --iface holding VIP/32, net.ipv4.vs.conntrack=1, ipset VIRTUAL-IP with VIP,tcp:PORT and
//          the nat chains of lvscare's README that masquerade VIP traffic, plus a filter
//          OUTPUT accept for marked packets so CNI rules (cilium) cannot drop them.
#include <string>
#include <vector>

#include "director/care/options.hpp"

namespace director::care {

struct IptablesRule {
    std::string table, chain;
    bool prepend = false;            // -I CHAIN 1 instead of -A CHAIN
    std::vector<std::string> args;   // match + target, as given to iptables after the chain
};

inline constexpr const char* kVirtualIPSet = "VIRTUAL-IP";
inline constexpr const char* kOurNatChains[] = {"VIRTUAL-SERVICES", "VIRTUAL-MARK-MASQ", "VIRTUAL-POSTROUTING"};

// The rules of link mode, in the order they are appended. `mark` is 1 << --masqueradebit.
std::vector<IptablesRule> link_mode_rules(uint32_t mark);
std::string ipset_entry(const Endpoint& vs);  // "169.254.0.1,tcp:80"
std::string hex_mark(uint32_t mark);           // "0x2"
// The line `iptables-save` / `iptables -S` prints for a rule (always -A; arguments with blanks quoted).
std::string iptables_save_line(const IptablesRule& r);

class Network {
public:
    explicit Network(const Options& o) : o_(o) {}
    // Idempotent; rebuilds anything someone else removed. Throws std::runtime_error naming every part
    // that could not be put in place (the rest is still done).
    void ensure();
    // Removes exactly what ensure() creates for this mode; a missing piece is not an error.
    void clean();

private:
    void ensure_route();
    void ensure_link();
    const Options& o_;
    bool warned_no_gateway_ = false;
};

}  // namespace director::care
