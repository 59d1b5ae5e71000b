#include "director/realserver/sysctl.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace director::realserver {

std::filesystem::path Sysctl::path(const ConfKey& key) const {
    return root_ / "net/ipv4/conf" / key.dev / key.name;
}

bool Sysctl::has_dev(const std::string& dev) const {
    std::error_code ec;
    return !dev.empty() && dev.find('/') == std::string::npos && dev != "." && dev != ".." &&
           std::filesystem::is_directory(root_ / "net/ipv4/conf" / dev, ec);
}

std::optional<std::string> Sysctl::read(const ConfKey& key) const {
    std::ifstream in(path(key));
    if (!in) return std::nullopt;
    std::string value;
    std::getline(in, value);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    return value;
}

void Sysctl::write(const ConfKey& key, const std::string& value) const {
    std::ofstream out(path(key));
    if (out) out << value << '\n';
    if (out) out.flush();
    if (!out) {
        throw std::runtime_error("cannot set " + key.str() + " = " + value + ": " + std::strerror(errno));
    }
}

}  // namespace director::realserver
