#include "host/open_files_limit.hpp"

#include <cerrno>
#include <cstring>
#include <sys/resource.h>

namespace host {

OpenFilesLimit raise_open_files_limit() {
    OpenFilesLimit out;
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) {
        out.error = std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
        return out;
    }
    out.soft = r.rlim_cur;
    if (r.rlim_cur == r.rlim_max) return out;
    rlimit raised{r.rlim_max, r.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        out.error = std::string("setrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
        return out;
    }
    out.soft = r.rlim_max;
    return out;
}

unsigned long long open_files_limit() {
    rlimit r{};
    return getrlimit(RLIMIT_NOFILE, &r) == 0 ? r.rlim_cur : 0;
}

}  // namespace host
