// `lvscare care` / `director care` flag parsing: CLI11 with our registration, then our validation, on an
// argument vector split from the input at NUL bytes. As in main(), only CLI::ParseError and
// care::FlagError are expected; any other exception escaping is a crash the program would have too.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "director/care/options.hpp"

namespace {

std::string hosts_file;

void remove_hosts() { std::filesystem::remove(hosts_file); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Route mode without --ip reads lvscare.node.ip from a hosts file: give it one of ours.
    std::string tmpl = (std::filesystem::temp_directory_path() / "director-fuzz-hosts-XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) std::abort();
    ::close(fd);
    hosts_file = tmpl;
    std::ofstream(hosts_file) << "127.0.0.1 localhost\n# comment\n192.168.0.9\tlvscare.node.ip other # x\n";
    std::atexit(remove_hosts);
    ::unsetenv("LVSCARE_NODE_IP");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> args{"care"};
    std::string cur;
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(data[i]);
        }
    }
    if (!cur.empty()) args.push_back(cur);
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first

    CLI::App app{"lvscare"};
    director::care::RawFlags raw;
    director::care::register_care_flags(*app.add_subcommand("care"), raw);
    try {
        app.parse(args);
    } catch (const CLI::ParseError&) {
        return 0;
    }
    try {
        director::care::Options o = director::care::finalize_care_flags(raw, hosts_file);
        if (o.rs.empty() && !o.clean) std::abort();
        if (o.interval.count() <= 0 || o.probe.timeout.count() <= 0) std::abort();
    } catch (const director::care::FlagError&) {
    }
    return 0;
}
