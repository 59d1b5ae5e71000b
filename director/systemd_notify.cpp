#include "director/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace director {

// The sd_notify protocol itself (one datagram to $NOTIFY_SOCKET, a path or, with a leading '@', an
// abstract name) rather than libsystemd: that library and the six it needs (gcrypt, lz4, zstd, lzma,
// cap, gpg-error) cost ~1 MiB of RSS in every director process for these few lines.
void notify_systemd(const std::string& state) {
    const char* path = ::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return;
    size_t len = std::strlen(path);
    sockaddr_un addr{};
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) return;  // vsock: not supported
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    while (::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), addr_len) < 0 &&
           errno == EINTR) {
    }
    ::close(fd);
}

bool systemd_listens() {
    const char* s = ::getenv("NOTIFY_SOCKET");
    return s && *s;
}

// As sd_watchdog_enabled(): WATCHDOG_USEC set, and WATCHDOG_PID (when set) naming this process.
std::optional<std::chrono::microseconds> systemd_watchdog_interval() {
    const char* usec_s = ::getenv("WATCHDOG_USEC");
    if (!usec_s || !*usec_s) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    unsigned long long usec = std::strtoull(usec_s, &end, 10);
    if (errno || *end || usec == 0) return std::nullopt;
    if (const char* pid_s = ::getenv("WATCHDOG_PID"); pid_s && *pid_s) {
        long long pid = std::strtoll(pid_s, &end, 10);
        if (*end || pid != static_cast<long long>(::getpid())) return std::nullopt;
    }
    return std::chrono::microseconds(usec / 2);
}

}  // namespace director
