#include "director/worker_thread.hpp"

#include "director/daemon_signals.hpp"


namespace director {

WorkerThread::WorkerThread(boost::asio::io_context& home)
    : home_(home), guard_(boost::asio::make_work_guard(work_)), thread_([this] {
          block_all_signals_on_this_thread();
          work_.run();
      }) {}

WorkerThread::~WorkerThread() {
    *alive_ = false;  // queued jobs are skipped; results still on their way are dropped on the loop
    guard_.reset();
    thread_.join();
}

}  // namespace director
