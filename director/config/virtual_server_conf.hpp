#pragma once
// virtual_server sections. (Owned by the IPVS work: extend freely.)
#include <string>
#include <vector>

#include "director/config/tree.hpp"

namespace director::config {

struct VirtualServerConf {
    Location where;
};

struct Config;
void parse_virtual_server(const Node& n, Config& out, Diagnostics& diag);

}  // namespace director::config
