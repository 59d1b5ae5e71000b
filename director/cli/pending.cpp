// Temporary registrations for subcommands whose owners have not landed yet; each owner deletes its
// function here when adding its own file.
#include <iostream>

#include "director/cli/commands.hpp"

namespace director::cli {

namespace {
void pending(CLI::App& app, const char* name, int& rc) {
    auto* cmd = app.add_subcommand(name, "(not available yet)");
    cmd->allow_extras();
    cmd->callback([name, &rc] {
        std::cerr << name << ": not available yet" << std::endl;
        rc = 2;
    });
}
}  // namespace

void add_ipvs(CLI::App& app, int& rc) { pending(app, "ipvs", rc); }
void add_care(CLI::App& app, int& rc) { pending(app, "care", rc); }
void add_realserver(CLI::App& app, int& rc) { pending(app, "realserver", rc); }
void add_static_pod(CLI::App& app, int& rc) { pending(app, "static-pod", rc); }

}  // namespace director::cli
