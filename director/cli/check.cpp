// `director check -f FILE`: read and validate a config without touching the system.
#include <iostream>

#include "director/cli/commands.hpp"
#include "director/config/host_check.hpp"
#include "director/config/model.hpp"

namespace director::cli {

void add_check(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("check", "Validate a keepalived-style config and print a summary");
    auto path = std::make_shared<std::string>("/etc/director/director.conf");
    cmd->add_option("-f,--use-file", *path, "Config file")->capture_default_str();
    cmd->callback([path, &rc] {
        config::Diagnostics diag;
        auto cfg = config::load(*path, diag);
        if (diag.ok()) config::require_work(cfg, diag);
        if (diag.ok()) config::check_host(cfg, diag, /*as_errors=*/false);
        for (const auto& w : diag.warnings()) std::cerr << w.str() << ": warning" << std::endl;
        if (!diag.ok()) {
            for (const auto& e : diag.errors()) std::cerr << e.str() << std::endl;
            std::cerr << *path << ": " << diag.errors().size() << " error(s)" << std::endl;
            rc = 1;
            return;
        }
        std::cout << *path << ": OK: " << cfg.vrrp_instances.size() << " vrrp_instance(s), "
                  << cfg.vrrp_scripts.size() << " vrrp_script(s), " << cfg.virtual_servers.size()
                  << " virtual_server(s), " << diag.warnings().size() << " warning(s)" << std::endl;
        rc = 0;
    });
}

}  // namespace director::cli
