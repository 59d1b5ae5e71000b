// `director ipvs ...`: the kernel's IPVS table over generic netlink, without ipvsadm.
//   list [--json] [--stats|--rate|--thresholds|--persistent-conn] [--timeout] [--daemon]
//        the table exactly as `ipvsadm -Ln` prints it (same header, columns and sort order)
//   restore [-f FILE]   ipvsadm-restore's input (what `ipvsadm-save -n` writes), applied pipelined on top of
//                       the current table (ipvsadm -R flushes first; a leading -C line does the same here)
#include <fstream>
#include <iostream>
#include <iterator>

#include "director/cli/commands.hpp"
#include "director/ipvs/format.hpp"
#include "director/ipvs/netlink.hpp"
#include "director/ipvs/rules.hpp"

namespace director::cli {

namespace {

struct ListArgs {
    bool json = false, stats = false, rate = false, thresholds = false, persistent = false;
    bool timeout = false, daemon = false, numeric = true;
};

int do_list(const ListArgs& a) {
    auto nl = ipvs::Netlink::open();
    if (a.timeout || a.daemon) {
        if (a.timeout) std::cout << ipvs::format_timeouts(nl->timeouts());
        if (a.daemon) std::cout << ipvs::format_sync_daemons(nl->sync_daemons());
        return 0;
    }
    auto info = nl->info();
    auto services = nl->list();
    if (a.json) {
        std::cout << ipvs::to_json(info, services).dump(2) << std::endl;
        return 0;
    }
    auto fmt = a.stats ? ipvs::ListFormat::Stats
               : a.rate ? ipvs::ListFormat::Rate
               : a.thresholds ? ipvs::ListFormat::Thresholds
               : a.persistent ? ipvs::ListFormat::Persistent
                              : ipvs::ListFormat::Plain;
    std::cout << ipvs::format_ipvsadm(info, std::move(services), fmt);
    return 0;
}

int do_restore(const std::string& file) {
    std::string text;
    if (file.empty() || file == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
        std::ifstream in(file);
        if (!in) {
            std::cerr << file << ": cannot open" << std::endl;
            return 1;
        }
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto parsed = ipvs::parse_rules(text);
    const std::string where = file.empty() ? "<stdin>" : file;
    if (!parsed.errors.empty()) {
        for (const auto& e : parsed.errors) std::cerr << where << ": " << e << std::endl;
        return 1;  // nothing applied: a bad file never half-applies
    }
    auto nl = ipvs::Netlink::open();
    int failures = 0;
    std::vector<ipvs::Op> batch;
    std::vector<int> lines;
    auto flush_batch = [&] {
        auto results = nl->apply(batch);
        for (size_t i = 0; i < batch.size(); ++i)
            if (results[i]) {
                ++failures;
                std::cerr << where << ": line " << lines[i] << ": " << ipvs::describe(batch[i]) << ": "
                          << std::strerror(results[i]) << std::endl;
            }
        batch.clear();
        lines.clear();
    };
    for (const auto& c : parsed.commands) {
        if (c.kind == ipvs::RuleCommand::Kind::Change) {
            batch.push_back(c.op);
            lines.push_back(c.line);
            continue;
        }
        flush_batch();
        try {
            switch (c.kind) {
                case ipvs::RuleCommand::Kind::Clear: nl->flush(); break;
                case ipvs::RuleCommand::Kind::Zero: nl->zero(); break;
                case ipvs::RuleCommand::Kind::SetTimeouts: nl->set_timeouts(c.timeouts); break;
                case ipvs::RuleCommand::Kind::StartDaemon: nl->start_sync_daemon(c.daemon); break;
                case ipvs::RuleCommand::Kind::StopDaemon: nl->stop_sync_daemon(c.daemon.state); break;
                case ipvs::RuleCommand::Kind::Change: break;
            }
        } catch (const ipvs::KernelError& e) {
            ++failures;
            std::cerr << where << ": line " << c.line << ": " << e.what() << std::endl;
        }
    }
    flush_batch();
    return failures ? 1 : 0;
}

template <class F>
void guarded(int& rc, F f) {
    try {
        rc = f();
    } catch (const ipvs::KernelError& e) {
        std::cerr << "director ipvs: " << e.what() << std::endl;
        rc = 1;
    }
}

}  // namespace

void add_ipvs(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("ipvs", "Inspect and change the kernel's IPVS table (like ipvsadm)");
    cmd->require_subcommand(1);

    auto la = std::make_shared<ListArgs>();
    auto* list = cmd->add_subcommand("list", "Print the IPVS table in ipvsadm -Ln's layout");
    list->alias("ls");
    list->add_flag("--json", la->json, "JSON instead of ipvsadm's table");
    list->add_flag("--stats", la->stats, "Counters (connections, packets, bytes), like ipvsadm -Ln --stats");
    list->add_flag("--rate", la->rate, "Rates (per second), like ipvsadm -Ln --rate");
    list->add_flag("--thresholds", la->thresholds, "Upper/lower connection thresholds");
    list->add_flag("--persistent-conn", la->persistent, "Persistent connection counts");
    list->add_flag("--timeout", la->timeout, "Connection timeouts (tcp tcpfin udp)");
    list->add_flag("--daemon", la->daemon, "Connection-sync daemon state");
    list->add_flag("-n,--numeric", la->numeric, "Accepted for ipvsadm compatibility; output is always numeric");
    list->callback([la, &rc] { guarded(rc, [&] { return do_list(*la); }); });

    auto file = std::make_shared<std::string>();
    auto* restore = cmd->add_subcommand("restore", "Apply ipvsadm-restore input (ipvsadm-save -n format), pipelined");
    restore->add_option("-f,--file", *file, "Rules file (default: stdin)");
    restore->callback([file, &rc] { guarded(rc, [&] { return do_restore(*file); }); });
}

}  // namespace director::cli
