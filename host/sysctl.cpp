#include "host/sysctl.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace host {

std::string sysctl_path(const std::string& dotted_name, const std::string& root) {
    std::string p = dotted_name;
    for (char& c : p)
        if (c == '.') c = '/';
    return root + "/" + p;
}

std::optional<std::string> read_sysctl(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string value;
    std::getline(in, value);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    return value;
}

bool write_sysctl(const std::string& path, const std::string& value) {
    std::ofstream out(path);
    if (out) out << value << '\n';
    if (out) out.flush();
    return static_cast<bool>(out);
}

SysctlResult ensure_sysctl(const std::string& name, const std::string& value, const std::string& proc_root) {
    SysctlResult r;
    std::string path = sysctl_path(name, proc_root);
    auto old = read_sysctl(path);
    if (!old) {
        r.error = "cannot read " + path + ": " + std::strerror(errno);
        return r;
    }
    r.old_value = *old;
    if (r.old_value == value) return r;
    if (!write_sysctl(path, value)) {
        r.error = "cannot write " + path + ": " + std::strerror(errno);
        return r;
    }
    r.changed = true;
    return r;
}

}  // namespace host
