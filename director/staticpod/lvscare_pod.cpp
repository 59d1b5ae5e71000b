#include "director/staticpod/lvscare_pod.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include "director/staticpod/atomic_file.hpp"
#include "director/staticpod/yaml_emit.hpp"

namespace director::staticpod {

namespace {

// IPv4:PORT or [IPv6]:PORT, as lvscare's --vs/--rs take them.
bool valid_endpoint(const std::string& ep) {
    auto colon = ep.rfind(':');
    if (colon == std::string::npos || colon + 1 == ep.size()) return false;
    std::string host = ep.substr(0, colon), port = ep.substr(colon + 1);
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return false;
    int p = std::stoi(port);
    if (p < 1 || p > 65535) return false;
    unsigned char buf[16];
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
    }
    return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

// DNS-1123 label: what Kubernetes accepts as a container name (and so, here, the pod name too).
bool dns_label(const std::string& s) {
    if (s.empty() || s.size() > 63) return false;
    auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
    return std::all_of(s.begin(), s.end(), ok) && s.front() != '-' && s.back() != '-';
}

std::vector<std::string> split_ws(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

bool names_flag(const std::vector<std::string>& words, const std::string& flag) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& w) { return w == flag || w.rfind(flag + "=", 0) == 0; });
}

}  // namespace

void validate(const LvscarePod& pod) {
    if (!valid_endpoint(pod.vip)) throw std::invalid_argument("--vip " + pod.vip + ": want IP:PORT");
    if (pod.masters.empty()) throw std::invalid_argument("--masters: at least one IP:PORT is required");
    std::set<std::string> seen;
    for (const auto& m : pod.masters) {
        if (!valid_endpoint(m)) throw std::invalid_argument("--masters " + m + ": want IP:PORT");
        if (!seen.insert(m).second) throw std::invalid_argument("--masters " + m + ": listed twice");
    }
    if (!dns_label(pod.name)) {
        throw std::invalid_argument("--name " + pod.name + ": want lowercase letters, digits and '-' (at most 63)");
    }
    if (pod.image.empty() || std::any_of(pod.image.begin(), pod.image.end(), ::isspace)) {
        throw std::invalid_argument("--image '" + pod.image + "': want an image reference without spaces");
    }
    auto opts = split_ws(pod.options);
    for (const char* owned : {"--vs", "--rs"}) {
        if (names_flag(opts, owned)) {
            throw std::invalid_argument(std::string("--options: ") + owned + " comes from --vip/--masters");
        }
    }
}

std::vector<std::string> care_command(const LvscarePod& pod) {
    std::vector<std::string> cmd{"/usr/bin/lvscare", "care", "--vs", pod.vip};
    for (const auto& m : pod.masters) {
        cmd.push_back("--rs");
        cmd.push_back(m);
    }
    auto opts = split_ws(pod.options);
    if (!names_flag(opts, "--interval")) cmd.insert(cmd.end(), {"--interval", "5"});
    if (!names_flag(opts, "--mode")) cmd.insert(cmd.end(), {"--mode", "route"});
    cmd.insert(cmd.end(), opts.begin(), opts.end());
    return cmd;
}

YAML::Node pod_manifest(const LvscarePod& pod) {
    validate(pod);
    YAML::Node root;
    root["apiVersion"] = "v1";
    root["kind"] = "Pod";
    root["metadata"]["name"] = pod.name;
    root["metadata"]["namespace"] = "kube-system";
    root["metadata"]["labels"]["component"] = pod.name;
    root["metadata"]["labels"]["tier"] = "control-plane";

    YAML::Node container;
    container["name"] = pod.name;
    container["image"] = pod.image;
    container["imagePullPolicy"] = "IfNotPresent";
    for (const auto& word : care_command(pod)) container["command"].push_back(word);
    // IPVS, routes, dummy interfaces and iptables all need the host's network namespace and root.
    container["securityContext"]["privileged"] = yaml_bool(true);
    YAML::Node mount;
    mount["name"] = "lib-modules";
    mount["mountPath"] = "/lib/modules";
    mount["readOnly"] = yaml_bool(true);
    container["volumeMounts"].push_back(mount);

    YAML::Node spec;
    spec["hostNetwork"] = yaml_bool(true);
    // Evicted last: every other pod on the node reaches the apiservers through it.
    spec["priorityClassName"] = "system-node-critical";
    spec["containers"].push_back(container);
    YAML::Node volume;
    volume["name"] = "lib-modules";
    volume["hostPath"]["path"] = "/lib/modules";
    spec["volumes"].push_back(volume);
    root["spec"] = spec;
    return root;
}

std::string to_yaml(const YAML::Node& node) { return emit_typed_yaml(node); }

std::filesystem::path write_manifest(const LvscarePod& pod, const std::filesystem::path& dir) {
    auto text = to_yaml(pod_manifest(pod));
    auto target = dir / (pod.name + ".yaml");
    write_file_atomically(target, text, 0644);
    return target;
}

}  // namespace director::staticpod
