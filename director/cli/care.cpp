// `director care` / `lvscare care`: lvscare's command line, same flags and defaults.
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "director/care/care_loop.hpp"
#include "director/care/network.hpp"
#include "director/care/options.hpp"
#include "director/cli/commands.hpp"
#include <linux/netlink.h>  // netlink.hpp names nlmsghdr

#include "director/ipvs/netlink.hpp"
#include "director/log.hpp"

namespace director::cli {

void add_care(CLI::App& app, int& rc) {
    auto raw = std::make_shared<care::RawFlags>();
    auto* cmd = app.add_subcommand("care", "A lightweight LVS baby care, support ipvs health check.");
    care::register_care_flags(*cmd, *raw);
    cmd->callback([raw, &rc] {
        care::Options o;
        try {
            o = care::finalize_care_flags(*raw);
        } catch (const care::FlagError& e) {
            std::cerr << "care: " << e.what() << "\n";
            rc = 2;
            return;
        }
        if (!setup_logging(o.logger)) {
            std::cerr << "care: invalid value \"" << o.logger << "\" for flag --logger\n";
            rc = 2;
            return;
        }
        std::unique_ptr<ipvs::Netlink> kernel;
        try {
            kernel = ipvs::Netlink::open();
        } catch (const std::exception& e) {
            spdlog::error("IPVS: {}", e.what());
            rc = 1;
            return;
        }
        care::Network network(o);
        if (o.clean) rc = care::care_clean(o, *kernel, network);
        else if (o.run_once) rc = care::care_run_once(o, *kernel, network);
        else rc = care::care_daemon(o, *kernel, network);
    });
}

}  // namespace director::cli
