// director lab up|status|down|fail|heal|drill: a working HA pair in network namespaces on this machine.
//   director lab up [--name N] [--backends 3]
//   director lab status [--name N] [--json]
//   director lab fail|heal NODE [--name N]
//   director lab down [--name N]
// `lab serve` is the backends' HTTPS server, started by `lab up` inside each backend namespace.
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "director/cli/commands.hpp"
#include "director/lab/https_backend.hpp"
#include "director/lab/lab.hpp"

namespace director::cli {

namespace {

std::shared_ptr<lab::LabOptions> lab_options(CLI::App* cmd) {
    auto o = std::make_shared<lab::LabOptions>();
    o->self = std::filesystem::read_symlink("/proc/self/exe");
    cmd->add_option("--name", o->name, "Which lab (several can run side by side)")->capture_default_str();
    cmd->add_option("--dir", o->root, "Where labs keep their files (ROOT/NAME)")->capture_default_str();
    // The daemons and the printed commands need paths that work from anywhere.
    cmd->parse_complete_callback([o] { o->root = std::filesystem::absolute(o->root).lexically_normal(); });
    return o;
}

void add_serve(CLI::App& lab, int& rc) {
    auto* cmd = lab.add_subcommand("serve", "A lab backend's HTTPS server (started by `lab up`)");
    cmd->group("");  // not for operators; listed nowhere
    struct Args {
        std::string listen = "0.0.0.0:6443", cert, key, name = "backend";
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--listen", a->listen, "ADDR:PORT")->capture_default_str();
    cmd->add_option("--cert", a->cert, "Certificate chain (PEM)")->required();
    cmd->add_option("--key", a->key, "Private key (PEM)")->required();
    cmd->add_option("--name", a->name, "Named in every answer but /healthz");
    cmd->callback([a, &rc] {
        try {
            auto colon = a->listen.rfind(':');
            if (colon == std::string::npos) throw std::runtime_error("--listen " + a->listen + ": want ADDR:PORT");
            boost::asio::io_context io;
            lab::BackendOptions o;
            o.listen = {boost::asio::ip::make_address(a->listen.substr(0, colon)),
                        static_cast<unsigned short>(std::stoi(a->listen.substr(colon + 1)))};
            o.certificate = a->cert;
            o.key = a->key;
            o.name = a->name;
            lab::HttpsBackend server(io, o);
            server.start();
            boost::asio::signal_set stop(io, SIGTERM, SIGINT);
            stop.async_wait([&](auto, int) { io.stop(); });
            std::cout << "serving " << a->name << " on " << a->listen << std::endl;
            io.run();
        } catch (const std::exception& e) {
            std::cerr << "director lab serve: " << e.what() << std::endl;
            rc = 1;
        }
    });
}

}  // namespace

void add_lab(CLI::App& app, int& rc) {
    auto* lab = app.add_subcommand("lab", "A working HA pair (two directors, backends, a client) in network namespaces");
    lab->require_subcommand(1);

    auto* up = lab->add_subcommand("up", "Build the lab and start its directors and backends");
    auto up_o = lab_options(up);
    auto backends = std::make_shared<int>(3);
    up->add_option("--backends", *backends, "How many backends (apiserver stand-ins)")
        ->check(CLI::Range(1, 20))
        ->capture_default_str();
    up->callback([up_o, backends, &rc] { rc = lab::lab_up(*up_o, *backends); });

    auto* down = lab->add_subcommand("down", "Remove every namespace, process and file of the lab");
    auto down_o = lab_options(down);
    down->callback([down_o, &rc] { rc = lab::lab_down(*down_o); });

    auto* status = lab->add_subcommand("status", "Each node: VRRP state of the directors, health of the backends");
    auto status_o = lab_options(status);
    auto as_json = std::make_shared<bool>(false);
    status->add_flag("--json", *as_json, "The status document");
    status->callback([status_o, as_json, &rc] { rc = lab::lab_status(*status_o, *as_json); });

    for (bool fail : {true, false}) {
        auto* cmd = lab->add_subcommand(fail ? "fail" : "heal",
                                        fail ? "Cut a director's link, or stop a backend's server"
                                             : "Undo `lab fail` (also restarts a director or backend that died)");
        auto o = lab_options(cmd);
        auto node = std::make_shared<std::string>();
        cmd->add_option("node", *node, "director-a, director-b, backend-N")->required();
        cmd->callback([o, node, fail, &rc] { rc = fail ? lab::lab_fail(*o, *node) : lab::lab_heal(*o, *node); });
    }
    auto* drill = lab->add_subcommand("drill", "`director drill` from the lab's client against the master (needs IPVS)");
    auto drill_o = lab_options(drill);
    struct DrillArgs {
        int rounds = 1;
        double hold = 2;
        bool json = false;
    };
    auto d = std::make_shared<DrillArgs>();
    drill->add_option("--rounds", d->rounds, "Switchovers to the peer and back")->check(CLI::Range(1, 100))->capture_default_str();
    drill->add_option("--hold", d->hold, "Seconds the peer keeps the VIP")->check(CLI::Range(0.0, 600.0))->capture_default_str();
    drill->add_flag("--json", d->json, "The report as one JSON document");
    drill->callback([drill_o, d, &rc] {
        std::vector<std::string> extra{"--rounds", std::to_string(d->rounds), "--hold", std::to_string(d->hold)};
        if (d->json) extra.push_back("--json");
        rc = lab::lab_drill(*drill_o, extra);
    });
    add_serve(*lab, rc);
}

}  // namespace director::cli
