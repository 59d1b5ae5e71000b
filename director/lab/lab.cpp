#include "director/lab/lab.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>

#include "director/control_socket.hpp"
#include "director/ipvs/netlink.hpp"
#include "director/lab/host.hpp"
#include "director/lab/pki.hpp"
#include "director/lab/plan.hpp"
#include "director/staticpod/atomic_file.hpp"

namespace director::lab {

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kReadyTimeout = 20s;
constexpr auto kStopGrace = 5s;

std::string random_pass() {
    static const char kChars[] = "abcdefghijkmnpqrstuvwxyz23456789";
    std::random_device rd;
    std::string s;
    for (int i = 0; i < 8; ++i) s += kChars[rd() % (sizeof kChars - 1)];
    return s;
}

bool needs_root(const char* cmd) {
    if (geteuid() == 0) return false;
    std::cerr << "director lab " << cmd << ": needs root (it manages network namespaces)" << std::endl;
    return true;
}

std::optional<Plan> load_plan(const LabOptions& o) {
    std::ifstream in(o.root / o.name / "lab.json");
    if (!in) return std::nullopt;
    try {
        return plan_from_json(json::parse(in));
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

pid_t read_pid(const std::filesystem::path& p) {
    std::ifstream in(p);
    long v = 0;
    in >> v;
    return static_cast<pid_t>(v);
}

void write_pid(const std::filesystem::path& p, pid_t pid) { staticpod::write_file_atomically(p, std::to_string(pid) + "\n"); }

std::optional<json> ask_status(const Node& d) {
    try {
        return control_request(d.control_socket().string(), "status", 2s);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string vrrp_state(const std::optional<json>& s) {
    if (!s) return "no answer";
    const auto& in = s->value("vrrp", json::object()).value("instances", json::array());
    return in.empty() ? "?" : in[0].value("state", "?");
}

// address:port -> "up"/"down"/..., as the given director's checks see the backends.
std::map<std::string, std::string> backend_states(const std::optional<json>& s) {
    std::map<std::string, std::string> out;
    if (!s) return out;
    for (const auto& vs : s->value("lvs", json::object()).value("membership", json::array()))
        for (const auto& rs : vs.value("real_servers", json::array())) out[rs.value("address", "")] = rs.value("state", "");
    return out;
}

void start_backend(const LabOptions& o, const Plan& p, const Node& b) {
    auto pki = p.pki();
    pid_t pid = spawn_in(b.ns,
                         {o.self.string(), "lab", "serve", "--listen", "0.0.0.0:" + std::to_string(p.port), "--cert",
                          (pki / (b.name + ".crt")).string(), "--key", (pki / (b.name + ".key")).string(), "--name", b.name},
                         b.log());
    write_pid(b.pid_file(), pid);
}

void start_director(const LabOptions& o, const Node& d) {
    spawn_in(d.ns,
             {o.self.string(), "run", "-f", d.config().string(), "--pid-file", d.pid_file().string(), "--control-socket",
              d.control_socket().string(), "--state-dir", d.state_dir().string()},
             d.log());
}

void build(const LabOptions& o, const Plan& p) {
    std::filesystem::create_directories(p.dir);
    chmod(p.dir.c_str(), 0700);  // the PKI's keys and the auth_pass live here
    staticpod::write_file_atomically(p.manifest(), to_json(p).dump(2) + "\n", 0600);
    std::vector<LeafSpec> leaves;
    for (const Node* b : p.with_role(Role::Backend)) leaves.push_back({b->name, {b->address, p.vip}});
    write_pki(p.pki(), leaves);

    ip({"netns", "add", p.switch_ns});
    ip({"-n", p.switch_ns, "link", "set", "lo", "up"});
    ip({"-n", p.switch_ns, "link", "add", "br0", "type", "bridge"});
    ip({"-n", p.switch_ns, "link", "set", "br0", "up"});
    for (const auto& n : p.nodes) {
        std::filesystem::create_directories(n.dir);
        ip({"netns", "add", n.ns});
        ip({"-n", n.ns, "link", "set", "lo", "up"});
        // Made inside the switch's namespace and its peer moved straight into the node's: the root
        // namespace never holds either end.
        ip({"-n", p.switch_ns, "link", "add", n.port_name(), "type", "veth", "peer", "name", "eth0", "netns", n.ns});
        ip({"-n", p.switch_ns, "link", "set", n.port_name(), "master", "br0", "up"});
        ip({"-n", n.ns, "addr", "add", n.address + "/24", "dev", "eth0"});
        ip({"-n", n.ns, "link", "set", "eth0", "up"});
    }
    for (const Node* b : p.with_role(Role::Backend)) {
        run_in(b->ns, {o.self.string(), "realserver", "up", "--vip", p.vip, "--state-dir", (b->dir / "realserver").string()});
        start_backend(o, p, *b);
    }
    for (const Node* d : p.with_role(Role::Director)) {
        // Per namespace, so this changes nothing outside the lab (see director_config for why).
        if (p.ipvs) run_in(d->ns, {"sh", "-c", "echo 1 > /proc/sys/net/ipv4/vs/sloppy_tcp"});
        staticpod::write_file_atomically(d->config(), director_config(p, *d), 0600);
        start_director(o, *d);
    }
}

// Empty when one director is master, the others backup and every backend is healthy; else what is not.
std::string not_ready(const Plan& p) {
    int masters = 0;
    std::string why;
    std::optional<json> master;
    for (const Node* d : p.with_role(Role::Director)) {
        auto s = ask_status(*d);
        std::string st = vrrp_state(s);
        if (st == "MASTER") ++masters, master = s;
        else if (st != "BACKUP") why += d->name + " is " + st + "; ";
    }
    if (masters != 1) why += std::to_string(masters) + " masters; ";
    auto states = backend_states(master);
    for (const Node* b : p.with_role(Role::Backend)) {
        auto it = states.find(b->address + ":" + std::to_string(p.port));
        if (it == states.end() || it->second != "up") why += b->name + " not healthy; ";
    }
    return why;
}

// " --name N --dir D" when they are not the defaults, for the commands this prints.
std::string lab_flags(const Plan& p) {
    std::string f = p.name == "default" ? "" : " --name " + p.name;
    if (p.dir.parent_path() != LabOptions{}.root) f += " --dir " + p.dir.parent_path().string();
    return f;
}

void print_summary(const Plan& p, const json& st) {
    std::cout << "lab '" << p.name << "': VIP " << p.vip << ":" << p.port << " (VRRP id " << p.virtual_router_id
              << ", PASS auth), files in " << p.dir.string() << "\n";
    if (!p.ipvs)
        std::cout << "note: no IPVS here (" << p.ipvs_reason << "): VRRP and the health checks run, nothing is "
                     "forwarded through the VIP\n";
    std::cout << "\n  " << std::left << std::setw(12) << "node" << std::setw(30) << "namespace" << std::setw(15)
              << "address" << "state\n";
    for (const auto& n : st["nodes"]) {
        std::string state;
        if (n["role"] == "director") state = n["state"].get<std::string>() + " (priority " + std::to_string(n["priority"].get<int>()) + ")";
        else if (n["role"] == "backend") state = n["healthy"].get<bool>() ? "healthy" : "not healthy";
        std::cout << "  " << std::setw(12) << n["name"].get<std::string>() << std::setw(30)
                  << n["namespace"].get<std::string>() << std::setw(15) << n["address"].get<std::string>() << state << "\n";
    }
    const Node* a = p.node("director-a");
    const Node* c = p.node("client");
    std::cout << "\nLook at it:\n"
              << "  director status --control-socket " << a->control_socket().string() << "\n"
              << "  less " << a->log().string() << "   # and " << a->config().string() << "\n";
    if (p.ipvs)
        std::cout << "  ip netns exec " << c->ns << " curl --cacert " << (p.pki() / "ca.crt").string() << " https://"
                  << p.vip << ":" << p.port << "/\n";
    std::cout << "  director lab status | lab fail director-a | lab heal director-a | lab drill | lab down"
              << (lab_flags(p).empty() ? "" : "   (with" + lab_flags(p) + ")") << "\n";
}

}  // namespace

json lab_status_json(const LabOptions& o) {
    auto plan = load_plan(o);
    if (!plan) throw std::runtime_error("lab '" + o.name + "' is not up (no " + (o.root / o.name / "lab.json").string() + ")");
    const Plan& p = *plan;
    std::optional<json> master;
    std::map<std::string, std::optional<json>> statuses;
    for (const Node* d : p.with_role(Role::Director)) {
        statuses[d->name] = ask_status(*d);
        if (vrrp_state(statuses[d->name]) == "MASTER") master = statuses[d->name];
    }
    if (!master)  // no master: what any answering director's checks say
        for (auto& [_, s] : statuses)
            if (s) master = s;
    auto health = backend_states(master);
    json nodes = json::array();
    for (const auto& n : p.nodes) {
        json j{{"name", n.name}, {"namespace", n.ns}, {"role", role_name(n.role)}, {"address", n.address},
               {"present", std::filesystem::exists("/run/netns/" + n.ns)}};
        if (n.role == Role::Director) {
            const auto& s = statuses[n.name];
            j["state"] = vrrp_state(s);
            j["priority"] = n.priority;
            j["running"] = process_alive(read_pid(n.pid_file()));
            j["control_socket"] = n.control_socket().string();
            j["config"] = n.config().string();
            j["log"] = n.log().string();
            if (s) {
                const auto& in = s->value("vrrp", json::object()).value("instances", json::array());
                if (!in.empty()) j["holds_vip"] = !in[0].value("vips_held", json::array()).empty();
            }
        } else if (n.role == Role::Backend) {
            auto it = health.find(n.address + ":" + std::to_string(p.port));
            j["healthy"] = it != health.end() && it->second == "up";
            j["serving"] = process_alive(read_pid(n.pid_file()));
            j["log"] = n.log().string();
        }
        nodes.push_back(std::move(j));
    }
    return {{"name", p.name}, {"vip", p.vip}, {"port", p.port}, {"ipvs", p.ipvs}, {"dir", p.dir.string()},
            {"ca", (p.pki() / "ca.crt").string()}, {"nodes", nodes}};
}

int lab_up(const LabOptions& o, int backends) {
    if (needs_root("up")) return 1;
    if (auto e = check_name(o.name)) {
        std::cerr << "director lab up: " << *e << std::endl;
        return 1;
    }
    auto left = namespaces(ns_prefix(o.name));
    if (auto existing = load_plan(o)) {
        bool whole = std::filesystem::exists("/run/netns/" + existing->switch_ns);
        for (const auto& n : existing->nodes) whole = whole && std::filesystem::exists("/run/netns/" + n.ns);
        if (whole) {
            std::cout << "lab '" << o.name << "' is already up (`director lab down" << lab_flags(*existing)
                      << "` first to build it again)\n\n";
            print_summary(*existing, lab_status_json(o));
            return 0;
        }
    }
    if (!left.empty() || std::filesystem::exists(o.root / o.name)) {
        std::cerr << "director lab up: lab '" << o.name << "' is half there (an earlier run was interrupted): run "
                  << "`director lab down" << (o.name == "default" ? "" : " --name " + o.name) << "` first" << std::endl;
        return 1;
    }
    bool ipvs = true;
    std::string ipvs_reason;
    try {
        ipvs::Netlink::open();
    } catch (const std::exception& e) {
        ipvs = false;
        ipvs_reason = e.what();
    }
    Plan p;
    try {
        p = make_plan(o.name, backends, o.root, ipvs, random_pass());
        p.ipvs_reason = ipvs_reason;
    } catch (const std::invalid_argument& e) {
        std::cerr << "director lab up: " << e.what() << std::endl;
        return 1;
    }
    try {
        build(o, p);
    } catch (const std::exception& e) {
        std::cerr << "director lab up: " << e.what() << "\nremoving what was built" << std::endl;
        lab_down(o);
        return 1;
    }
    auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    std::string why;
    while (!(why = not_ready(p)).empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100ms);
    print_summary(p, lab_status_json(o));
    if (!why.empty()) {
        std::cerr << "director lab up: not ready after " << kReadyTimeout.count() << " s: " << why
                  << "see the logs above; `director lab down` removes it" << std::endl;
        return 1;
    }
    return 0;
}

int lab_down(const LabOptions& o) {
    if (needs_root("down")) return 1;
    if (auto e = check_name(o.name)) {
        std::cerr << "director lab down: " << *e << std::endl;
        return 1;
    }
    // By name prefix, not by manifest: a run killed before it wrote anything still gets cleaned up.
    auto nss = namespaces(ns_prefix(o.name));
    // Directors first and gracefully: a master gives up its VIP with a priority-0 advert.
    for (const auto& ns : nss) stop_processes(ns, kStopGrace);
    int rc = 0;
    for (const auto& ns : nss) {
        try {
            delete_namespace(ns);
        } catch (const std::exception& e) {
            std::cerr << "director lab down: " << e.what() << std::endl;
            rc = 1;
        }
    }
    std::error_code ec;
    auto dir = o.root / o.name;
    bool had_files = std::filesystem::exists(dir);
    std::filesystem::remove_all(dir, ec);
    if (ec) {
        std::cerr << "director lab down: removing " << dir.string() << ": " << ec.message() << std::endl;
        rc = 1;
    }
    std::filesystem::remove(o.root, ec);  // only when no other lab is left in it
    if (nss.empty() && !had_files) std::cout << "lab '" << o.name << "' is not up; nothing to remove\n";
    else std::cout << "lab '" << o.name << "' removed (" << nss.size() << " namespaces)\n";
    return rc;
}

int lab_status(const LabOptions& o, bool as_json) {
    json st;
    try {
        st = lab_status_json(o);
    } catch (const std::exception& e) {
        std::cerr << "director lab status: " << e.what() << std::endl;
        return 1;
    }
    if (as_json) {
        std::cout << st.dump(2) << std::endl;
        return 0;
    }
    print_summary(*load_plan(o), st);
    return 0;
}

namespace {

// The lab's plan when NODE is one `fail`/`heal` can act on; else the reason is printed.
std::optional<Plan> plan_for(const LabOptions& o, const char* cmd, const std::string& node) {
    if (needs_root(cmd)) return std::nullopt;
    auto p = load_plan(o);
    if (!p) {
        std::cerr << "director lab " << cmd << ": lab '" << o.name << "' is not up" << std::endl;
        return std::nullopt;
    }
    const Node* n = p->node(node);
    if (!n || n->role == Role::Client) {
        std::string names;
        for (const auto& x : p->nodes)
            if (x.role != Role::Client) names += (names.empty() ? "" : ", ") + x.name;
        std::cerr << "director lab " << cmd << ": no node '" << node << "' to " << cmd << " (one of " << names << ")" << std::endl;
        return std::nullopt;
    }
    return p;
}

}  // namespace

int lab_fail(const LabOptions& o, const std::string& node) {
    auto p = plan_for(o, "fail", node);
    if (!p) return 1;
    const Node* n = p->node(node);
    try {
        if (n->role == Role::Director) {
            // Cut at the switch, like a pulled cable: the node sees its carrier go.
            ip({"-n", p->switch_ns, "link", "set", n->port_name(), "down"});
            std::cout << node << ": link cut\n";
        } else {
            stop_process(read_pid(n->pid_file()), 2s);
            std::cout << node << ": HTTPS server stopped\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "director lab fail: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}

int lab_heal(const LabOptions& o, const std::string& node) {
    auto p = plan_for(o, "heal", node);
    if (!p) return 1;
    const Node* n = p->node(node);
    try {
        if (n->role == Role::Director) {
            ip({"-n", p->switch_ns, "link", "set", n->port_name(), "up"});
            if (!process_alive(read_pid(n->pid_file()))) start_director(o, *n);
            std::cout << node << ": link up\n";
        } else {
            if (!process_alive(read_pid(n->pid_file()))) start_backend(o, *p, *n);
            std::cout << node << ": HTTPS server running\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "director lab heal: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}

int lab_drill(const LabOptions& o, const std::vector<std::string>& extra) {
    if (needs_root("drill")) return 1;
    auto p = load_plan(o);
    if (!p) {
        std::cerr << "director lab drill: lab '" << o.name << "' is not up" << std::endl;
        return 1;
    }
    if (!p->ipvs) {
        std::cerr << "director lab drill: this lab has no IPVS (" << p->ipvs_reason
                  << "), so nothing answers on the VIP to measure" << std::endl;
        return 1;
    }
    const Node* master = nullptr;
    for (const Node* d : p->with_role(Role::Director))
        if (vrrp_state(ask_status(*d)) == "MASTER") master = d;
    if (!master) {
        std::cerr << "director lab drill: no director is master (see `director lab status`)" << std::endl;
        return 1;
    }
    const Node* client = p->node("client");
    std::vector<std::string> argv{"ip", "netns", "exec", client->ns, o.self.string(), "drill", "--control-socket",
                                  master->control_socket().string(), "--probe",
                                  "https://" + p->vip + ":" + std::to_string(p->port) + "/healthz", "--ca",
                                  (p->pki() / "ca.crt").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::cout << "drill from " << client->name << " (" << client->address << "), " << master->name << " is master" << std::endl;
    execvp("ip", args.data());
    std::cerr << "director lab drill: starting ip: " << std::strerror(errno) << std::endl;
    return 1;
}

}  // namespace director::lab
