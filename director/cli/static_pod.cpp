// `director static-pod lvscare ...`: sealctl's static-pod generator, producing a manifest that runs
// this binary as lvscare on every node.
#include <iostream>
#include <memory>

#include "director/cli/commands.hpp"
#include "director/staticpod/lvscare_pod.hpp"

namespace director::cli {

void add_static_pod(CLI::App& app, int& rc) {
    auto* cmd = app.add_subcommand("static-pod", "Generate static pod manifests");
    cmd->require_subcommand(1);
    auto* lvscare = cmd->add_subcommand("lvscare", "Generate the lvscare (director care) static pod");

    struct Args {
        staticpod::LvscarePod pod;
        std::string path = "/etc/kubernetes/manifests";
        bool print = false;
    };
    auto args = std::make_shared<Args>();
    lvscare->add_option("--vip", args->pod.vip, "Virtual server IP:PORT (lvscare --vs)")->required();
    lvscare->add_option("--masters", args->pod.masters, "apiservers IP:PORT, comma separated (lvscare --rs)")
        ->required()
        ->delimiter(',');
    lvscare->add_option("--name", args->pod.name, "Pod and container name")->capture_default_str();
    lvscare->add_option("--image", args->pod.image, "Container image")->capture_default_str();
    lvscare->add_option("--path", args->path, "Static pod directory (written as PATH/NAME.yaml)")
        ->capture_default_str();
    lvscare->add_option("--options", args->pod.options, "Extra care flags, e.g. \"--health-status 401\"");
    lvscare->add_flag("--print", args->print, "Print the manifest instead of writing it");

    lvscare->callback([args, &rc] {
        try {
            if (args->print) {
                std::cout << staticpod::to_yaml(staticpod::pod_manifest(args->pod));
            } else {
                auto written = staticpod::write_manifest(args->pod, args->path);
                std::cerr << "wrote " << written.string() << std::endl;
            }
            rc = 0;
        } catch (const std::exception& e) {
            std::cerr << "static-pod lvscare: " << e.what() << std::endl;
            rc = 1;
        }
    });
}

}  // namespace director::cli
