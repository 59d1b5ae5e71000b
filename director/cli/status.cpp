// `director status`: what the running daemon reports over its control socket.
#include <iostream>

#include "director/cli/commands.hpp"
#include "director/control_socket.hpp"

namespace director::cli {

namespace {

// Indented "key: value" lines: readable without knowing every component's fields in advance.
void render(const nlohmann::json& j, int indent, std::ostream& out) {
    std::string pad(static_cast<size_t>(indent) * 2, ' ');
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (v.is_structured() && !v.empty()) {
                out << pad << k << ":\n";
                render(v, indent + 1, out);
            } else {
                out << pad << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
            }
        }
    } else if (j.is_array()) {
        for (const auto& v : j) {
            if (v.is_structured()) {
                out << pad << "-\n";
                render(v, indent + 1, out);
            } else {
                out << pad << "- " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
            }
        }
    }
}

}  // namespace

void add_status(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("status", "Show the running director's instances, VIPs, real servers and counters");
    auto socket = std::make_shared<std::string>("/run/director/director.sock");
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--control-socket", *socket, "The daemon's control socket")->capture_default_str();
    cmd->add_flag("--json", *json, "Print the raw JSON document");
    cmd->callback([socket, json, &rc] {
        try {
            auto j = control_request(*socket, "status");
            if (*json) std::cout << j.dump(2) << std::endl;
            else render(j, 0, std::cout);
            rc = j.contains("error") ? 1 : 0;
        } catch (const std::exception& e) {
            std::cerr << "director status: " << e.what() << std::endl;
            rc = 1;
        }
    });
}

}  // namespace director::cli
