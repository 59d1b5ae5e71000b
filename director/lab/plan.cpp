#include "director/lab/plan.hpp"

#include <algorithm>
#include <stdexcept>

namespace director::lab {

namespace {

constexpr const char* kSubnet = "198.18.10.";

std::string host(int n) { return kSubnet + std::to_string(n); }

Node make_node(const Plan& p, const std::string& name, Role role, int host_part, int priority = 0) {
    Node n;
    n.name = name;
    n.ns = p.ns_prefix() + name;
    n.role = role;
    n.address = host(host_part);
    n.priority = priority;
    n.dir = p.dir / name;
    return n;
}

std::string real_server(const Plan& p, const Node& b) {
    std::string port = std::to_string(p.port);
    return "    real_server " + b.address + " " + port +
           " {\n"
           "        weight 1\n"
           "        SSL_GET {\n"
           "            url {\n"
           "                path /healthz\n"
           "                status_code 200\n"
           "            }\n"
           "            connect_timeout 2\n"
           "            retry 0\n"
           "        }\n"
           "    }\n";
}

}  // namespace

const char* role_name(Role r) {
    switch (r) {
        case Role::Director: return "director";
        case Role::Backend: return "backend";
        case Role::Client: return "client";
    }
    return "?";
}

const Node* Plan::node(const std::string& n) const {
    for (const auto& x : nodes)
        if (x.name == n) return &x;
    return nullptr;
}

std::vector<const Node*> Plan::with_role(Role r) const {
    std::vector<const Node*> out;
    for (const auto& x : nodes)
        if (x.role == r) out.push_back(&x);
    return out;
}

std::optional<std::string> check_name(const std::string& name) {
    // Namespace "dlab-NAME-backend-20" and switch ports "p-backend-20" stay short and shell-safe.
    bool ok = !name.empty() && name.size() <= 12 && name.front() != '-' &&
              std::all_of(name.begin(), name.end(), [](char c) {
                  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
              });
    if (ok) return std::nullopt;
    return "--name '" + name + "': use 1 to 12 of a-z, 0-9 and '-', not starting with '-'";
}

Plan make_plan(const std::string& name, int backends, const std::filesystem::path& root, bool ipvs,
               const std::string& auth_pass) {
    if (auto e = check_name(name)) throw std::invalid_argument(*e);
    if (backends < 1 || backends > kMaxBackends)
        throw std::invalid_argument("--backends " + std::to_string(backends) + ": use 1 to " +
                                    std::to_string(kMaxBackends));
    Plan p;
    p.name = name;
    p.dir = root / name;
    p.switch_ns = p.ns_prefix() + "switch";
    p.vip = host(100);
    p.ipvs = ipvs;
    p.auth_pass = auth_pass.substr(0, 8);
    p.nodes.push_back(make_node(p, "client", Role::Client, 2));
    p.nodes.push_back(make_node(p, "director-a", Role::Director, 11, 150));
    p.nodes.push_back(make_node(p, "director-b", Role::Director, 12, 100));
    for (int i = 1; i <= backends; ++i) p.nodes.push_back(make_node(p, "backend-" + std::to_string(i), Role::Backend, 20 + i));
    return p;
}

std::string director_config(const Plan& p, const Node& d) {
    std::string c = "! director lab '" + p.name + "', node " + d.name + ": written by `director lab up`.\n";
    c += "global_defs {\n    router_id lab-" + p.name + "-" + d.name + "\n";
    // The backup already knows every connection when it takes over, so a move drops none.
    if (p.ipvs) c += "    lvs_sync_daemon eth0 VI_1\n";
    c += "}\n\n";
    c += "SSL {\n    ca " + (p.pki() / "ca.crt").string() + "\n}\n\n";
    c += "vrrp_instance VI_1 {\n"
         "    state " + std::string(d.priority >= 150 ? "MASTER" : "BACKUP") + "\n"
         "    interface eth0\n"
         "    virtual_router_id " + std::to_string(p.virtual_router_id) + "\n"
         "    priority " + std::to_string(d.priority) + "\n"
         "    advert_int 1\n"
         "    authentication {\n"
         "        auth_type PASS\n"
         "        auth_pass " + p.auth_pass + "\n"
         "    }\n"
         "    virtual_ipaddress {\n"
         "        " + p.vip + "/24 dev eth0\n"
         "    }\n"
         "}\n\n";
    if (p.ipvs) {
        c += "virtual_server " + p.vip + " " + std::to_string(p.port) + " {\n";
    } else {
        // Without IPVS a virtual server on the VIP would keep the VIP from being taken (nothing could
        // forward it); a firewall-mark service runs the same checks and holds nothing back.
        c += "! This kernel has no IPVS: the checks run, nothing is forwarded.\n";
        c += "virtual_server fwmark " + std::to_string(p.port) + " {\n";
    }
    // alpha: a backend counts as healthy only once a check has passed, so `lab status` means it.
    // mh with mh-port spreads connections by source address and port, and both directors compute the same
    // table; with sloppy_tcp (set by `lab up`) the new master forwards a connection it has not yet learnt
    // from the sync daemon (opened just before the move) to the backend that already holds it.
    c += "    delay_loop 2\n    lb_algo mh\n    mh-port\n    lb_kind DR\n    protocol TCP\n    alpha\n";
    for (const Node* b : p.with_role(Role::Backend)) c += real_server(p, *b);
    c += "}\n";
    return c;
}

nlohmann::json to_json(const Plan& p) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : p.nodes)
        nodes.push_back({{"name", n.name}, {"namespace", n.ns}, {"role", role_name(n.role)}, {"address", n.address},
                         {"priority", n.priority}, {"dir", n.dir.string()}});
    return {{"name", p.name},       {"dir", p.dir.string()},   {"switch_namespace", p.switch_ns},
            {"vip", p.vip},         {"port", p.port},          {"virtual_router_id", p.virtual_router_id},
            {"auth_pass", p.auth_pass}, {"ipvs", p.ipvs}, {"ipvs_reason", p.ipvs_reason},      {"nodes", nodes}};
}

Plan plan_from_json(const nlohmann::json& j) {
    Plan p;
    p.name = j.at("name").get<std::string>();
    p.dir = j.at("dir").get<std::string>();
    p.switch_ns = j.at("switch_namespace").get<std::string>();
    p.vip = j.at("vip").get<std::string>();
    p.port = j.at("port").get<unsigned short>();
    p.virtual_router_id = j.at("virtual_router_id").get<int>();
    p.auth_pass = j.at("auth_pass").get<std::string>();
    p.ipvs = j.at("ipvs").get<bool>();
    p.ipvs_reason = j.value("ipvs_reason", "");
    for (const auto& n : j.at("nodes")) {
        Node x;
        x.name = n.at("name").get<std::string>();
        x.ns = n.at("namespace").get<std::string>();
        std::string r = n.at("role").get<std::string>();
        x.role = r == "director" ? Role::Director : r == "backend" ? Role::Backend : Role::Client;
        x.address = n.at("address").get<std::string>();
        x.priority = n.at("priority").get<int>();
        x.dir = n.at("dir").get<std::string>();
        p.nodes.push_back(std::move(x));
    }
    return p;
}

}  // namespace director::lab
