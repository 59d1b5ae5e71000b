#include "director/systemd_notify.hpp"

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

}  // namespace director
