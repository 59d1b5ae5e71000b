#include "director/config/model.hpp"

namespace director::config {

namespace {

void interpret(const std::vector<Node>& top, Config& cfg, Diagnostics& diag) {
    for (const Node& n : top) {
        const std::string& k = n.keyword;
        if (k == "global_defs") {
            parse_global_defs(n, cfg.global, diag);
        } else if (k == "vrrp_script") {
            parse_vrrp_script(n, cfg, diag);
        } else if (k == "vrrp_instance") {
            parse_vrrp_instance(n, cfg, diag);
        } else if (k == "virtual_server") {
            parse_virtual_server(n, cfg, diag);
        } else if (k == "vrrp_sync_group") {
            parse_vrrp_sync_group(n, cfg, diag);
        } else if (k == "track_file" || k == "vrrp_track_file") {
            parse_track_file(n, cfg, diag);
        } else if (k == "virtual_server_group") {
            parse_virtual_server_group(n, cfg, diag);
        } else if (k == "SSL") {
            parse_ssl(n, cfg.ssl, diag);
        } else if (k == "static_ipaddress" || k == "static_routes" || k == "static_rules") {
            parse_static_section(n, cfg.static_network, diag);
        } else if (k == "linkbeat_use_polling" || is_ignored_keepalived_keyword(k)) {
            warn_ignored(n, diag);
        } else {
            diag.error(n.where, "unknown top-level keyword '" + k + "'");
        }
    }
    // A group may be defined after the virtual_server that uses it, as in keepalived.
    resolve_virtual_server_groups(cfg, diag);
}

}  // namespace

Config load(const std::string& path, Diagnostics& diag) {
    Config cfg;
    cfg.path = path;
    interpret(parse_file(path, diag), cfg, diag);
    if (diag.ok()) validate(cfg, diag);
    return cfg;
}

Config load_text(const std::string& text, const std::string& name, Diagnostics& diag) {
    Config cfg;
    cfg.path = name;
    interpret(parse_text(text, name, diag), cfg, diag);
    if (diag.ok()) validate(cfg, diag);
    return cfg;
}

}  // namespace director::config
