#include "director/accept_loop.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace director {

void DescriptorReserve::take() {
    if (fd_ < 0 && !closed_) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void DescriptorReserve::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void DescriptorReserve::close() {
    closed_ = true;
    release();
}

bool out_of_descriptors(const boost::system::error_code& ec) {
    // What accept() fails with when the process (EMFILE) or the system (ENFILE) has no descriptor left.
    return ec.category() == boost::system::system_category() && (ec.value() == EMFILE || ec.value() == ENFILE);
}

void AcceptErrors::failed(const boost::system::error_code& ec) {
    ++total_;
    ++in_burst_;
    // A scrape every few seconds while out of descriptors fails an accept each time: one line says it.
    if (!logged_.insert(ec.value()).second) return;
    if (out_of_descriptors(ec))
        spdlog::warn("{}: out of file descriptors; clients are served with one kept in reserve", listener_);
    else
        spdlog::warn("{}: accept: {}; trying again in a second", listener_, ec.message());
}

void AcceptErrors::accepted() {
    if (in_burst_ == 0) return;
    spdlog::info("{}: accepting again, after {} failed accepts", listener_, in_burst_);
    in_burst_ = 0;
    logged_.clear();
}

}  // namespace director
