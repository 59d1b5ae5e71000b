#pragma once
// Each subcommand lives in its own file and registers itself here. A callback stores the process exit
// status in `rc`; main() returns it.
#include <CLI/CLI.hpp>
#include <string>

namespace director::cli {

void add_run(CLI::App& app, int& rc);
void add_check(CLI::App& app, int& rc);
void add_status(CLI::App& app, int& rc);
void add_reload(CLI::App& app, int& rc);
void add_events(CLI::App& app, int& rc);
// switchover, maintenance, backend: planned moves (operator.cpp).
void add_operator_commands(CLI::App& app, int& rc);
void add_ipvs(CLI::App& app, int& rc);
void add_care(CLI::App& app, int& rc);
void add_realserver(CLI::App& app, int& rc);
void add_static_pod(CLI::App& app, int& rc);
// drill: measured switchovers on a master (drill.cpp).
void add_drill(CLI::App& app, int& rc);
// lab up/down/status/fail/heal/drill (lab.cpp).
void add_lab(CLI::App& app, int& rc);
// `program` is the name the binary was invoked as (director or lvscare), for the printed line.
void add_version(CLI::App& app, int& rc, const std::string& program);

}  // namespace director::cli
