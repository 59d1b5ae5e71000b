#include "director/ipvs/sysctl.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace director::ipvs {

namespace {
std::string path_of(const std::string& name, const std::string& root) {
    std::string p = name;
    for (char& c : p)
        if (c == '.') c = '/';
    return root + "/" + p;
}
}  // namespace

SysctlResult ensure_sysctl(const std::string& name, const std::string& value, const std::string& proc_root) {
    SysctlResult r;
    std::string path = path_of(name, proc_root);
    {
        std::ifstream in(path);
        if (!in) {
            r.error = "cannot read " + path + ": " + std::strerror(errno);
            return r;
        }
        std::getline(in, r.old_value);
    }
    if (r.old_value == value) return r;
    std::ofstream out(path);
    out << value << "\n";
    out.flush();
    if (!out) {
        r.error = "cannot write " + path + ": " + std::strerror(errno);
        return r;
    }
    r.changed = true;
    return r;
}

bool conntrack_loaded(const std::string& proc_root) {
    std::error_code ec;
    return std::filesystem::exists(proc_root + "/net/netfilter/nf_conntrack_max", ec);
}

}  // namespace director::ipvs
