#include "director/staticpod/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace director::staticpod {

namespace {
[[noreturn]] void fail(const std::string& what, const std::filesystem::path& p, int err) {
    throw std::runtime_error(what + " " + p.string() + ": " + std::strerror(err));
}
}  // namespace

void write_file_atomically(const std::filesystem::path& target, std::string_view content, int mode) {
    auto dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create directory " + dir.string() + ": " + ec.message());

    // A dot-prefixed name: kubelet ignores hidden files in the manifest directory.
    std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    int fd = mkstemp(tmpl.data());
    if (fd < 0) fail("cannot create a temporary file in", dir, errno);
    auto abandon = [&](const char* what, int err) {
        ::close(fd);
        ::unlink(tmpl.c_str());
        fail(what, tmpl, err);
    };
    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            abandon("cannot write", errno);
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) abandon("cannot chmod", errno);
    if (::fsync(fd) != 0) abandon("cannot sync", errno);
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmpl.c_str());
        fail("cannot close", tmpl, err);
    }
    if (std::rename(tmpl.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmpl.c_str());
        fail("cannot rename into", target, err);
    }
    // The rename itself must reach the disk too, or a power cut can bring the old file back.
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace director::staticpod
