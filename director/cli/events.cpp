// `director events [--json] [--follow] [--control-socket S]`: the running daemon's recent history (state
// changes with their reason, real servers up and down, reloads, switchovers, maintenance, hand drains).
// --follow keeps printing new ones as they happen (it asks the daemon every 200 ms) until interrupted.
// Exit status: 0, 1 when the daemon refused, 2 when no daemon answered.
#include <chrono>
#include <iostream>
#include <thread>

#include "director/cli/commands.hpp"
#include "director/control_socket.hpp"

namespace director::cli {

namespace {
void print_event(const nlohmann::json& e, bool json) {
    if (json) {
        std::cout << dump_json(e) << std::endl;
        return;
    }
    std::cout << e.value("at", "") << " " << e.value("kind", "") << " " << e.value("subject", "");
    if (e.contains("from") || e.contains("to")) {
        std::cout << ": ";
        if (e.contains("from")) std::cout << e["from"].get<std::string>() << " -> ";
        std::cout << e.value("to", "");
    }
    if (!e.value("reason", "").empty()) std::cout << " (" << e["reason"].get<std::string>() << ")";
    std::cout << std::endl;
}
}  // namespace

void add_events(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("events", "Show the running director's last 200 events; --follow for new ones");
    struct Args {
        std::string socket = "/run/director/director.sock";
        bool json = false, follow = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--control-socket", a->socket, "The daemon's control socket")->capture_default_str();
    cmd->add_flag("--json", a->json, "One JSON object per line");
    cmd->add_flag("-f,--follow", a->follow, "Keep printing new events until interrupted");
    cmd->callback([a, &rc] {
        uint64_t seen = 0;
        bool first = true;
        while (true) {
            nlohmann::json j;
            try {
                j = control_request(a->socket, first ? std::string("events")
                                                     : "events " + nlohmann::json{{"since", seen}}.dump());
            } catch (const std::exception& e) {
                std::cerr << "director events: " << e.what() << std::endl;
                rc = 2;
                return;
            }
            if (j.contains("error") || !j.contains("events")) {
                std::cerr << "director events: " << dump_json(j.value("error", nlohmann::json("unexpected reply")))
                          << std::endl;
                rc = 1;
                return;
            }
            for (const auto& e : j["events"]) print_event(e, a->json);
            uint64_t last = j.value("last_seq", uint64_t{0});
            // A restarted daemon counts from 1 again: start over from its beginning.
            seen = last < seen ? 0 : last;
            first = false;
            rc = 0;
            if (!a->follow) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });
}

}  // namespace director::cli
