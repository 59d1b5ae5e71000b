#include "director/worker_thread.hpp"

#include "director/daemon_signals.hpp"

#include <sys/resource.h>
#include <unistd.h>


namespace director {

WorkerThread::WorkerThread(boost::asio::io_context& home, int nice)
    : home_(home), guard_(boost::asio::make_work_guard(work_)), thread_([this, nice] {
          block_all_signals_on_this_thread();
          // Best effort: a thread that keeps the default priority still works, only less politely.
          if (nice > 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice);
          work_.run();
      }) {}

WorkerThread::~WorkerThread() {
    *alive_ = false;  // queued jobs are skipped; results still on their way are dropped on the loop
    guard_.reset();
    thread_.join();
}

}  // namespace director
