// director: VRRP + IPVS + health checks for a Kubernetes control plane. Invoked as `lvscare`, the same
// binary takes lvscare's command lines unchanged (`lvscare care --vs ... --rs ...`) and offers only
// lvscare's commands.
#include <filesystem>

#include "director/cli/commands.hpp"
#include "director/version.hpp"

int main(int argc, char** argv) {
    std::string self = std::filesystem::path(argv[0]).filename();
    bool lvscare = self == "lvscare";
    CLI::App app{lvscare ? "lvscare: node-local IPVS load balancer for kube-apiservers (director care)"
                         : "director: VRRP, IPVS and health checks for a Kubernetes control plane"};
    std::string program = lvscare ? "lvscare" : "director";
    app.set_version_flag("-v,--version", program + " " + director::version_line());
    app.require_subcommand(1);
    int rc = 0;
    namespace cli = director::cli;
    if (!lvscare) {
        cli::add_run(app, rc);
        cli::add_check(app, rc);
        cli::add_status(app, rc);
        cli::add_reload(app, rc);
        cli::add_events(app, rc);
        cli::add_operator_commands(app, rc);
        cli::add_drill(app, rc);
        cli::add_ipvs(app, rc);
    }
    cli::add_care(app, rc);
    if (!lvscare) {
        cli::add_realserver(app, rc);
        cli::add_static_pod(app, rc);
        cli::add_lab(app, rc);
    }
    cli::add_version(app, rc, program);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints the message; a bad flag is "refused" (1) like every other refusal, so scripts
        // never mistake it for 2 ("no daemon answered") or CLI11's own 100+ codes. --help stays 0.
        return app.exit(e) == 0 ? 0 : 1;
    }
    return rc;
}
