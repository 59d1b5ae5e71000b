#pragma once
// The whole parsed configuration. Each section's types live in their own header.
#include <optional>
#include <string>
#include <vector>

#include "director/config/checker_conf.hpp"
#include "director/config/global_defs.hpp"
#include "director/config/route_conf.hpp"
#include "director/config/sync_group_conf.hpp"
#include "director/config/track_file_conf.hpp"
#include "director/config/virtual_server_conf.hpp"
#include "director/config/virtual_server_group.hpp"
#include "director/config/vrrp_conf.hpp"

namespace director::config {

struct Config {
    std::string path;
    GlobalDefs global;
    std::optional<SslConf> ssl;
    std::vector<VrrpScriptConf> vrrp_scripts;
    std::vector<VrrpInstanceConf> vrrp_instances;
    std::vector<TrackFileConf> track_files;
    std::vector<VrrpSyncGroupConf> sync_groups;
    std::vector<VirtualServerGroupConf> virtual_server_groups;
    std::vector<VirtualServerConf> virtual_servers;
    StaticNetworkConf static_network;  // static_ipaddress, static_routes, static_rules
};

// Reads and validates a config file. On any error the returned Config must not be applied: callers
// check diag.ok() first, so a bad file never half-applies.
Config load(const std::string& path, Diagnostics& diag);
// The same from text (unit tests).
Config load_text(const std::string& text, const std::string& name, Diagnostics& diag);
// Cross-section checks (a track_script naming an undefined vrrp_script, ...); run by load().
void validate(Config& cfg, Diagnostics& diag);
// What `director check` and `director run` add for a file meant to run: it must configure something.
// Separate from validate() so a model with nothing in it stays loadable (tests, tools).
void require_work(const Config& cfg, Diagnostics& diag);

}  // namespace director::config
