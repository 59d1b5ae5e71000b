#include "director/lvs/kernel_worker.hpp"

namespace director::lvs {

KernelWorker::KernelWorker(boost::asio::io_context& home)
    : home_(home), guard_(boost::asio::make_work_guard(work_)), thread_([this] { work_.run(); }) {}

KernelWorker::~KernelWorker() {
    *alive_ = false;  // queued jobs are skipped; results still on their way are dropped on the loop
    guard_.reset();
    thread_.join();
}

}  // namespace director::lvs
