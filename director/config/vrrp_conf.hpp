#pragma once
// vrrp_script and vrrp_instance sections. (Owned by the VRRP work: extend freely.)
#include <string>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct VrrpScriptConf {
    std::string name;
    Location where;
};

struct VrrpInstanceConf {
    std::string name;
    Location where;
};

struct Config;
void parse_vrrp_script(const Node& n, Config& out, Diagnostics& diag);
void parse_vrrp_instance(const Node& n, Config& out, Diagnostics& diag);

}  // namespace director::config
