// Temporary: the interpreters below are replaced by the VRRP, IPVS and health-check work, each of which
// deletes its function from this file when it lands its own. Until then the section is an error.
#include "director/config/model.hpp"

namespace director::config {

void parse_vrrp_script(const Node& n, Config&, Diagnostics& diag) { diag.error(n.where, "vrrp_script is not supported yet"); }
void parse_vrrp_instance(const Node& n, Config&, Diagnostics& diag) { diag.error(n.where, "vrrp_instance is not supported yet"); }
void parse_virtual_server(const Node& n, Config&, Diagnostics& diag) { diag.error(n.where, "virtual_server is not supported yet"); }
void parse_ssl(const Node& n, std::optional<SslConf>&, Diagnostics& diag) { diag.error(n.where, "SSL is not supported yet"); }

}  // namespace director::config

namespace director::config {
bool parse_checker(const Node& n, std::vector<CheckerConf>&, Diagnostics& diag) {
    if (n.keyword != "TCP_CHECK" && n.keyword != "HTTP_GET" && n.keyword != "SSL_GET" && n.keyword != "MISC_CHECK")
        return false;
    diag.error(n.where, n.keyword + " is not supported yet");
    return true;
}
}  // namespace director::config
