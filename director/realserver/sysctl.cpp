#include "director/realserver/sysctl.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "host/sysctl.hpp"

namespace director::realserver {

std::filesystem::path Sysctl::path(const ConfKey& key) const {
    return root_ / "net/ipv4/conf" / key.dev / key.name;
}

bool Sysctl::has_dev(const std::string& dev) const {
    std::error_code ec;
    return !dev.empty() && dev.find('/') == std::string::npos && dev != "." && dev != ".." &&
           std::filesystem::is_directory(root_ / "net/ipv4/conf" / dev, ec);
}

std::optional<std::string> Sysctl::read(const ConfKey& key) const { return host::read_sysctl(path(key)); }

void Sysctl::write(const ConfKey& key, const std::string& value) const {
    if (!host::write_sysctl(path(key), value))
        throw std::runtime_error("cannot set " + key.str() + " = " + value + ": " + std::strerror(errno));
}

}  // namespace director::realserver
