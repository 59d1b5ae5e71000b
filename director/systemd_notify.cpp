#include "director/systemd_notify.hpp"

#include <cstdlib>

#ifdef DIRECTOR_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace director {

void notify_systemd(const std::string& state) {
#ifdef DIRECTOR_HAVE_LIBSYSTEMD
    ::sd_notify(0, state.c_str());
#else
    (void)state;
#endif
}

bool systemd_listens() {
    const char* s = ::getenv("NOTIFY_SOCKET");
    return s && *s;
}

std::optional<std::chrono::microseconds> systemd_watchdog_interval() {
#ifdef DIRECTOR_HAVE_LIBSYSTEMD
    uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec / 2);
#endif
    return std::nullopt;
}

}  // namespace director
