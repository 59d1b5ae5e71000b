// Temporary registrations for subcommands whose owners have not landed yet; each owner deletes its
// function here when adding its own file.
#include <iostream>

#include "director/cli/commands.hpp"

namespace director::cli {

namespace {
[[maybe_unused]] void pending(CLI::App& app, const char* name, int& rc) {
    auto* cmd = app.add_subcommand(name, "(not available yet)");
    cmd->allow_extras();
    cmd->callback([name, &rc] {
        std::cerr << name << ": not available yet" << std::endl;
        rc = 2;
    });
}
}  // namespace


}  // namespace director::cli
