// Planned moves, sent to the running daemon over its control socket:
//   director switchover [--instance NAME] [--hold SEC] [--timeout SEC]
//   director maintenance on|off [--instance NAME] [--force]
//   director backend drain|enable ADDR:PORT [--service VIP:PORT] [--wait SEC]
// Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 no daemon answered.
#include <chrono>
#include <iostream>
#include <thread>

#include "director/cli/commands.hpp"
#include "director/control_socket.hpp"

namespace director::cli {

namespace {

constexpr const char* kSocket = "/run/director/director.sock";

// One request; nullopt (rc = 2) when no daemon answered.
std::optional<nlohmann::json> ask(const char* cmd, const std::string& socket, const std::string& word,
                                  const nlohmann::json& args, double timeout_s, int& rc) {
    try {
        return control_request(socket, word + " " + args.dump(),
                               std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000)));
    } catch (const std::exception& e) {
        std::cerr << "director " << cmd << ": " << e.what() << std::endl;
        rc = 2;
        return std::nullopt;
    }
}

// Prints each instance's line; rc 0 when every instance did what was asked.
void report_instances(const char* cmd, const nlohmann::json& j, int& rc) {
    if (j.contains("error")) {
        std::cerr << "director " << cmd << ": " << j["error"].get<std::string>() << std::endl;
        rc = 1;
        return;
    }
    for (const auto& i : j.value("instances", nlohmann::json::array())) {
        bool ok = i.value("ok", false);
        std::string line = i.value("instance", "?") + ": ";
        if (ok && i.contains("new_master"))
            line += "new master " + i["new_master"].get<std::string>() + ", hand-over took " +
                    std::to_string(i.value("took_ms", 0)) + " ms";
        else
            line += i.value("message", "");
        (ok ? std::cout : std::cerr) << line << std::endl;
    }
    rc = j.value("ok", false) ? 0 : 1;
}

void add_switchover(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("switchover", "On the master: hand the VIP to the best backup now, make before break");
    struct Args {
        std::string socket = kSocket, instance;
        double hold = -1, timeout = 30;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--control-socket", a->socket, "The daemon's control socket")->capture_default_str();
    cmd->add_option("--instance", a->instance, "Only this vrrp_instance (default: every instance that is master)");
    cmd->add_option("--hold", a->hold, "Do not preempt back for SEC seconds only (default: until master again)")
        ->check(CLI::Range(0.0, 86400.0));
    cmd->add_option("--timeout", a->timeout, "Seconds to wait for the answer")->check(CLI::Range(1.0, 3600.0))->capture_default_str();
    cmd->callback([a, &rc] {
        nlohmann::json args = nlohmann::json::object();
        if (!a->instance.empty()) args["instance"] = a->instance;
        if (a->hold >= 0) args["hold"] = a->hold;
        if (auto j = ask("switchover", a->socket, "switchover", args, a->timeout, rc)) report_instances("switchover", *j, rc);
    });
}

void add_maintenance(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("maintenance", "Take this node out of the VRRP election (on) or put it back (off)");
    struct Args {
        std::string socket = kSocket, instance, mode;
        bool force = false;
        double timeout = 30;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("mode", a->mode, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
    cmd->add_option("--control-socket", a->socket, "The daemon's control socket")->capture_default_str();
    cmd->add_option("--instance", a->instance, "Only this vrrp_instance (default: all)");
    cmd->add_flag("--force", a->force, "If no peer takes over, drop the VIP anyway");
    cmd->add_option("--timeout", a->timeout, "Seconds to wait for the answer")->check(CLI::Range(1.0, 3600.0))->capture_default_str();
    cmd->callback([a, &rc] {
        nlohmann::json args{{"on", a->mode == "on"}, {"force", a->force}};
        if (!a->instance.empty()) args["instance"] = a->instance;
        if (auto j = ask("maintenance", a->socket, "maintenance", args, a->timeout, rc)) report_instances("maintenance", *j, rc);
    });
}

void add_backend(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("backend", "Drain a real server by hand (weight 0, kept across restarts) or enable it again");
    struct Args {
        std::string socket = kSocket, action, backend, service;
        double wait = -1, timeout = 30;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("action", a->action, "drain or enable")->required()->check(CLI::IsMember({"drain", "enable"}));
    cmd->add_option("backend", a->backend, "The real server, ADDR:PORT")->required();
    cmd->add_option("--service", a->service, "Only in this virtual_server, VIP:PORT (default: every one it is in)");
    cmd->add_option("--wait", a->wait, "drain: return once its active connections are 0, or after SEC seconds")
        ->check(CLI::Range(0.0, 86400.0));
    cmd->add_option("--control-socket", a->socket, "The daemon's control socket")->capture_default_str();
    cmd->add_option("--timeout", a->timeout, "Seconds to wait for each answer")->check(CLI::Range(1.0, 3600.0))->capture_default_str();
    cmd->callback([a, &rc] {
        nlohmann::json args{{"action", a->action}, {"backend", a->backend}};
        if (!a->service.empty()) args["service"] = a->service;
        auto j = ask("backend", a->socket, "backend", args, a->timeout, rc);
        if (!j) return;
        if (j->contains("error") || !j->value("ok", false)) {
            std::cerr << "director backend: " << j->value("error", std::string("failed")) << std::endl;
            rc = 1;
            return;
        }
        std::cout << j->value("backend", a->backend) << ": " << j->value("message", "") << std::endl;
        rc = 0;
        if (a->action != "drain" || a->wait < 0) return;
        // Poll the kernel's count through the daemon until the last connection has finished.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(a->wait);
        auto started = std::chrono::steady_clock::now();
        args["action"] = "query";
        uint64_t active = (*j)["active_conns"].get<uint64_t>();
        while (active > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            j = ask("backend", a->socket, "backend", args, a->timeout, rc);
            if (!j) return;
            if (!j->value("ok", false)) {
                std::cerr << "director backend: " << j->value("error", std::string("query failed")) << std::endl;
                rc = 1;
                return;
            }
            active = (*j)["active_conns"].get<uint64_t>();
        }
        double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (active > 0) {
            std::cerr << "director backend: " << active << " active connection(s) remain after " << a->wait
                      << " s; still drained" << std::endl;
            rc = 1;
        } else {
            std::cout << "no active connections left (waited " << took << " s)" << std::endl;
        }
    });
}

}  // namespace

void add_operator_commands(CLI::App& app, int& rc) {
    add_switchover(app, rc);
    add_maintenance(app, rc);
    add_backend(app, rc);
}

}  // namespace director::cli
