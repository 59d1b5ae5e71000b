// `director version` / `lvscare version` (and `--version`, `-v` on the top level).
#include <iostream>

#include "director/cli/commands.hpp"
#include "director/version.hpp"

namespace director::cli {

void add_version(CLI::App& app, int& rc, const std::string& program) {
    auto* cmd = app.add_subcommand("version", "Print the version and the git commit it was built from");
    cmd->callback([&rc, program] {
        std::cout << program << " " << version_line() << std::endl;
        rc = 0;
    });
}

}  // namespace director::cli
