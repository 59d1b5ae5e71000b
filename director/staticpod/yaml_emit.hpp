#pragma once
// YAML output that Kubernetes decodes with the types we meant. yaml-cpp emits every scalar plain, so
// the string "5" in a command list would come back as a number (and "on" as a bool under YAML 1.1,
// which Kubernetes' decoder follows) and kubelet would reject the manifest. Scalars tagged
// kBoolTag are meant as booleans and stay plain; any other scalar that could read as non-string
// is double-quoted.
#include <string>

#include <yaml-cpp/yaml.h>

namespace director::staticpod {

inline constexpr const char* kBoolTag = "tag:yaml.org,2002:bool";

// A boolean scalar for a manifest (emitted as plain true/false).
YAML::Node yaml_bool(bool value);

// True when a plain scalar with this text would not decode as a string.
bool reads_as_non_string(const std::string& text);

std::string emit_typed_yaml(const YAML::Node& node);

}  // namespace director::staticpod
