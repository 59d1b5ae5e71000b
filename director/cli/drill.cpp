// director drill [--instance NAME] [--probe URL] [--ca FILE] [--rounds N] [--hold SEC] [--json]
// On the master: planned switchovers to the peer and back, measured by probing the VIP.
// Exit status: 0 every round ran, 1 refused or failed (the reason on stderr), 2 no daemon answered.
#include "director/cli/commands.hpp"
#include "director/drill/drill.hpp"

namespace director::cli {

void add_drill(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("drill", "On the master: switch over to the peer and back while probing the VIP; report what clients saw");
    auto o = std::make_shared<drill::DrillOptions>();
    auto probe = std::make_shared<std::string>();
    cmd->add_option("--control-socket", o->control_socket, "The daemon's control socket")->capture_default_str();
    cmd->add_option("--instance", o->instance, "The vrrp_instance to move (default: the one that is master)");
    cmd->add_option("--probe", *probe,
                    "tcp://IP:PORT, http://IP[:PORT]/PATH or https://IP[:PORT]/PATH (default: tcp:// to the instance's "
                    "virtual server on its VIP)");
    cmd->add_option("--ca", o->ca, "CA bundle to verify an https:// probe against (its IP must be in the certificate)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--rounds", o->rounds, "Switchovers to the peer and back")->check(CLI::Range(1, 100))->capture_default_str();
    cmd->add_option("--hold", o->hold_s, "Seconds the peer keeps the VIP before this node takes it back")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    cmd->add_flag("--json", o->json, "The report as one JSON document");
    cmd->callback([o, probe, &rc] {
        if (!probe->empty()) o->probe = *probe;
        rc = drill::run_drill(*o);
    });
}

}  // namespace director::cli
