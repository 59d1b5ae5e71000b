#pragma once
// virtual_server sections, keepalived's grammar:
//   virtual_server IP PORT | fwmark N | group NAME { delay_loop, lb_algo|lvs_sched, lb_kind|lvs_method NAT|DR|TUN,
//     persistence_timeout, persistence_granularity, protocol, quorum, hysteresis, sorry_server IP PORT,
//     inhibit_on_failure, alpha, omega, virtualhost, ops, sh-port, sh-fallback, quorum_up, quorum_down,
//     real_server IP PORT { weight, inhibit_on_failure, notify_up, notify_down, uthreshold, lthreshold,
//                           lb_kind, <TCP_CHECK|HTTP_GET|SSL_GET|MISC_CHECK> } }
// (Owned by the IPVS work: extend freely.)
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "director/config/checker_conf.hpp"
#include "director/config/tree.hpp"
#include "director/ipvs/types.hpp"

namespace director::config {

struct RealServerConf {
    uint32_t address = 0;  // host byte order
    uint16_t port = 0;
    int32_t weight = 1;
    bool inhibit_on_failure = false;  // inherited from the virtual_server unless set here
    std::string notify_up, notify_down;
    std::optional<ipvs::Forward> forward;  // per-server lb_kind; else the virtual_server's
    uint32_t u_threshold = 0, l_threshold = 0;
    std::vector<CheckerConf> checkers;
    Location where;
    bool operator==(const RealServerConf&) const = default;
};

struct SorryServerConf {
    uint32_t address = 0;
    uint16_t port = 0;
    Location where;
    bool operator==(const SorryServerConf&) const = default;
};

struct VirtualServerConf {
    Location where;
    ipvs::ServiceKey key;  // fwmark services: protocol TCP, address and port 0 (what the kernel reports)
    // `virtual_server group NAME`: `key` holds only the protocol; the group's members, expanded once the
    // whole file is read (resolve_virtual_server_groups), are the kernel services. They share everything
    // below, including one health check per real server.
    std::string group;
    std::vector<ipvs::ServiceKey> members;
    long long delay_loop_ms = 60000;
    std::optional<bool> smtp_alert;  // unset: smtp_alert_checker, then global smtp_alert
    std::string scheduler = "wlc";  // keepalived's default
    ipvs::Forward forward = ipvs::Forward::Masq;
    uint32_t persistence_timeout_s = 0;
    uint32_t persistence_granularity = 0xffffffff;
    uint32_t sched_flags = 0;  // ops, sh-port, sh-fallback, ... as IP_VS_SVC_F_* bits
    int quorum = 1;
    int hysteresis = 0;
    std::optional<SorryServerConf> sorry_server;
    bool inhibit_on_failure = false;
    bool alpha = false;
    bool omega = false;
    std::string virtualhost;
    std::string quorum_up, quorum_down;
    // A real server removed from the file by a reload stays at weight 0 until its last active connection
    // ends, or this long at most.
    long long drain_timeout_ms = 60000;
    std::vector<RealServerConf> real_servers;

    // The kernel services this section asks for: its own key, or its group's members.
    std::span<const ipvs::ServiceKey> service_keys() const {
        return group.empty() ? std::span<const ipvs::ServiceKey>(&key, 1) : std::span<const ipvs::ServiceKey>(members);
    }
    // Kernel service `k` with this section's settings (flags include PERSISTENT when persistence_timeout is set).
    ipvs::Service service(const ipvs::ServiceKey& k) const;
    ipvs::Service service() const { return service(key); }
    // What tells two sections apart across a reload: the key, and the group for a grouped one.
    std::pair<std::string, ipvs::ServiceKey> id() const { return {group, key}; }
    // "TCP 10.0.0.1:80" / "FWM 7" / "TCP group K8S", for logs and errors.
    std::string name() const;
    bool operator==(const VirtualServerConf&) const = default;
};

struct Config;
void parse_virtual_server(const Node& n, Config& out, Diagnostics& diag);
// Every virtual address the file's services listen on (a group's members included; fwmarks have none).
std::set<uint32_t> service_addresses(const Config& cfg);

}  // namespace director::config
