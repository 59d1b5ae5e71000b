// `director status`: what the running daemon reports over its control socket. The default is a short
// summary for people; --verbose is every field, --json the document itself for scripts.
#include <iostream>

#include "director/cli/commands.hpp"
#include "director/control_socket.hpp"
#include "director/status_view.hpp"

namespace director::cli {

void add_status(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("status", "Show the running director's instances, VIPs, real servers and counters");
    struct Args {
        std::string socket = "/run/director/director.sock";
        bool json = false, verbose = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--control-socket", a->socket, "The daemon's control socket")->capture_default_str();
    auto* json = cmd->add_flag("--json", a->json, "Print the raw JSON document");
    cmd->add_flag("-v,--verbose", a->verbose, "Print every field, indented")->excludes(json);
    cmd->callback([a, &rc] {
        try {
            auto j = control_request(a->socket, "status");
            rc = j.contains("error") ? 1 : 0;
            if (a->json) std::cout << dump_json(j, 2) << std::endl;
            else if (rc != 0) std::cerr << "director status: " << a->socket << ": " << dump_json(j["error"]) << std::endl;
            else if (a->verbose) render_tree(j, std::cout);
            else render_summary(j, std::cout);
        } catch (const std::exception& e) {
            std::cerr << "director status: " << e.what() << std::endl;
            rc = 2;  // no daemon answered
        }
    });
}

}  // namespace director::cli
