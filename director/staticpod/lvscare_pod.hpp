#pragma once
// The static pod that runs `lvscare care` on every node (sealos installs one per node; kubelet starts
// it from /etc/kubernetes/manifests before the apiservers are reachable). Built as a YAML tree, so
// quoting and escaping are the library's job, not string pasting.
#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace director::staticpod {

struct LvscarePod {
    std::string vip;                   // IP:PORT of the virtual server
    std::vector<std::string> masters;  // IP:PORT of each apiserver
    std::string name = "lvscare";
    std::string image = "sealos.hub:5000/sealos/lvscare:latest";
    std::string options;  // extra care flags, split on whitespace
};

// Throws std::invalid_argument naming the flag (--vip, --masters, --name, --image, --options).
void validate(const LvscarePod& pod);

// The container's command: /usr/bin/lvscare care --vs VIP --rs M... --interval 5 --mode route OPTIONS.
// --interval and --mode given in OPTIONS replace those defaults instead of repeating them.
std::vector<std::string> care_command(const LvscarePod& pod);

// A v1 Pod in kube-system. Validates first.
YAML::Node pod_manifest(const LvscarePod& pod);
std::string to_yaml(const YAML::Node& node);

// Writes DIR/NAME.yaml atomically, replacing an earlier version; returns the path written.
std::filesystem::path write_manifest(const LvscarePod& pod, const std::filesystem::path& dir);

}  // namespace director::staticpod
