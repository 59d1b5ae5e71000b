#pragma once
// What `director lab up` builds, as data: the namespaces, addresses, files and the director configs.
// Pure (no system calls), so the generated configs are checked by the unit tests with the real loader.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace director::lab {

enum class Role { Director, Backend, Client };
const char* role_name(Role r);

struct Node {
    std::string name;       // director-a, backend-1, client
    std::string ns;         // dlab-<lab>-<name>
    Role role;
    std::string address;    // on eth0, /24
    int priority = 0;       // directors only
    std::filesystem::path dir;  // this node's files under the lab directory
    std::filesystem::path config() const { return dir / "director.conf"; }
    std::filesystem::path log() const { return dir / "log"; }
    std::filesystem::path pid_file() const { return dir / "pid"; }
    std::filesystem::path control_socket() const { return dir / "control.sock"; }
    std::filesystem::path state_dir() const { return dir / "state"; }
    std::string port_name() const { return "p-" + name; }  // its port on the lab switch
};

struct Plan {
    std::string name;
    std::filesystem::path dir;   // every file the lab writes
    std::string switch_ns;       // holds the bridge; nothing is added to the root namespace
    std::string vip;
    unsigned short port = 6443;
    int virtual_router_id = 51;
    std::string auth_pass;       // PASS auth, at most 8 characters as on the wire
    bool ipvs = true;            // false: no virtual-server traffic, VRRP and checks only
    std::string ipvs_reason;     // why not, as the IPVS client said
    std::vector<Node> nodes;

    std::filesystem::path pki() const { return dir / "pki"; }
    std::filesystem::path manifest() const { return dir / "lab.json"; }
    const Node* node(const std::string& name) const;
    std::vector<const Node*> with_role(Role r) const;
    std::string ns_prefix() const { return "dlab-" + name + "-"; }
};

constexpr int kMaxBackends = 20;

// An error message for a lab name that cannot be used in namespace and interface names, else nullopt.
std::optional<std::string> check_name(const std::string& name);
// The namespace prefix of lab `name`, for finding what a crashed run left behind.
inline std::string ns_prefix(const std::string& name) { return "dlab-" + name + "-"; }

// Addresses from 198.18.0.0/15 (RFC 2544): client .2, directors .11/.12, backends .21.., VIP .100
// of 198.18.10.0/24.
Plan make_plan(const std::string& name, int backends, const std::filesystem::path& root, bool ipvs,
               const std::string& auth_pass);

// The keepalived-style config of one director node.
std::string director_config(const Plan& p, const Node& director);

nlohmann::json to_json(const Plan& p);
Plan plan_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception on a malformed manifest

}  // namespace director::lab
