#pragma once
// track_file: keepalived's hand-written priority input. A file holds an integer; an instance (or sync group)
// tracking it adds value x weight to its priority, or goes to FAULT (weight 0 and a non-zero value, or a
// product at or below -254).
#include <optional>
#include <string>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct TrackFileConf {
    std::string name;
    std::string path;              // absolute, or relative to the config file's directory (resolved here)
    int weight = 1;                // -254..254, the default for every tracker of this file
    bool reverse = false;
    std::optional<long long> init_value;  // init_file [VALUE]: written at start if the file is missing
    bool init_overwrite = false;          // ... or always, with `overwrite`
    Location where;
    bool operator==(const TrackFileConf&) const = default;
};

// `track_file { NAME [weight W [reverse|noreverse]] }` in a vrrp_instance or vrrp_sync_group.
struct VrrpTrackFileConf {
    std::string name;
    std::optional<int> weight;  // overrides the track_file's
    std::optional<bool> reverse;
    Location where;
    bool operator==(const VrrpTrackFileConf&) const = default;
};

struct Config;
void parse_track_file(const Node& n, Config& out, Diagnostics& diag);
// The lines of a `track_file { ... }` block inside an instance or sync group.
void parse_track_file_refs(const Node& block, std::vector<VrrpTrackFileConf>& out, Diagnostics& diag);

}  // namespace director::config
