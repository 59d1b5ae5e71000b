#include "director/ipvs/sysctl.hpp"

#include <filesystem>

namespace director::ipvs {

bool conntrack_loaded(const std::string& proc_root) {
    std::error_code ec;
    return std::filesystem::exists(proc_root + "/net/netfilter/nf_conntrack_max", ec);
}

}  // namespace director::ipvs
