// `director realserver up|down|status --vip IP [--dev lo]`: the LVS-DR real-server side (what a
// realserver.sh does) as a subcommand. Exit status: 0 done / up, 1 error, 3 status reports "down".
#include <iostream>
#include <memory>

#include "director/cli/commands.hpp"
#include "director/realserver/realserver.hpp"

namespace director::cli {

namespace {

struct RealServerArgs {
    realserver::Options opts;
};

void add_action(CLI::App& parent, const char* name, const char* help, std::shared_ptr<RealServerArgs> args,
                int& rc) {
    auto* cmd = parent.add_subcommand(name, help);
    cmd->add_option("--vip", args->opts.vip, "Virtual IP (IPv4) the director balances")->required();
    cmd->add_option("--dev", args->opts.dev, "Device that holds VIP/32")->capture_default_str();
    cmd->add_option("--state-dir", args->opts.state_dir, "Where `up` saves the earlier sysctl values")
        ->capture_default_str();
    std::string action = name;
    cmd->callback([args, action, &rc] {
        try {
            realserver::RealServer rs(args->opts);
            if (action == "status") {
                auto st = rs.status();
                std::cout << "vip " << args->opts.vip << "/32 on " << args->opts.dev << ": "
                          << (st.address_present ? "present" : "absent") << "\n";
                for (const auto& s : st.sysctls) {
                    std::cout << s.key.str() << " = " << (s.value.empty() ? "?" : s.value) << " (want " << s.wanted
                              << ")\n";
                }
                std::cout << "saved state: " << (st.state_saved ? st.state_file.string() : "none") << "\n";
                std::cout << "realserver " << args->opts.vip << ": " << (st.up() ? "up" : "down") << std::endl;
                rc = st.up() ? 0 : 3;
                return;
            }
            auto changes = action == "up" ? rs.up() : rs.down();
            for (const auto& c : changes) std::cout << c << "\n";
            std::cout << "realserver " << args->opts.vip << ": " << (action == "up" ? "up" : "down")
                      << (changes.empty() ? " (nothing to change)" : "") << std::endl;
            rc = 0;
        } catch (const std::exception& e) {
            std::cerr << "realserver " << action << ": " << e.what() << std::endl;
            rc = 1;
        }
    });
}

}  // namespace

void add_realserver(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("realserver", "Bind a VIP to lo with ARP suppressed (LVS-DR real server)");
    cmd->require_subcommand(1);
    auto args = std::make_shared<RealServerArgs>();
    add_action(*cmd, "up", "Add VIP/32 to the device, set arp_ignore=1 and arp_announce=2", args, rc);
    add_action(*cmd, "down", "Remove VIP/32 and restore the sysctl values saved by `up`", args, rc);
    add_action(*cmd, "status", "Report whether VIP/32 and the ARP sysctls are in place", args, rc);
}

}  // namespace director::cli
