// `director reload [--control-socket S] [--timeout SEC]`: the running daemon re-reads its config, and this
// waits until the new one is applied (or rejected). Exit status: 0 applied, 1 rejected or refused (every
// error on stderr as file:line: ...), 2 no daemon answered within the timeout.
#include <iostream>

#include "director/cli/commands.hpp"
#include "director/control_socket.hpp"

namespace director::cli {

void add_reload(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("reload", "Make the running director re-read and apply its config; print what changed");
    struct Args {
        std::string socket = "/run/director/director.sock";
        double timeout_s = 60;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--control-socket", a->socket, "The daemon's control socket")->capture_default_str();
    cmd->add_option("--timeout", a->timeout_s, "Seconds to wait for the reload to finish")
        ->check(CLI::Range(0.1, 86400.0))
        ->capture_default_str();
    cmd->callback([a, &rc] {
        nlohmann::json j;
        try {
            j = control_request(a->socket, "reload", std::chrono::milliseconds(static_cast<long long>(a->timeout_s * 1000)));
        } catch (const std::exception& e) {
            std::cerr << "director reload: " << e.what() << std::endl;
            rc = 2;
            return;
        }
        if (!j.contains("reload") || !j["reload"].is_object()) {
            std::cerr << "director reload: " << a->socket << ": "
                      << (j.contains("error") ? dump_json(j["error"]) : "unexpected reply " + dump_json(j)) << std::endl;
            rc = 1;
            return;
        }
        const auto& r = j["reload"];
        for (const auto& w : r.value("warnings", nlohmann::json::array())) std::cerr << w.get<std::string>() << ": warning\n";
        auto number = r.value("number", 0);
        auto took = r.value("took_ms", 0.0);
        if (!r.value("ok", false)) {
            auto errors = r.value("errors", nlohmann::json::array());
            for (const auto& e : errors) std::cerr << e.get<std::string>() << "\n";
            std::cerr << "director reload: rejected (" << errors.size()
                      << " error(s)); the director keeps running the config it had" << std::endl;
            rc = 1;
            return;
        }
        auto changes = r.value("changes", nlohmann::json::array());
        for (const auto& c : changes) std::cout << c.get<std::string>() << "\n";
        std::cout << "reload #" << number << ": "
                  << (changes.empty() ? std::string("nothing changed") : std::to_string(changes.size()) + " change(s) applied")
                  << " in " << took << " ms" << std::endl;
        rc = 0;
    });
}

}  // namespace director::cli
