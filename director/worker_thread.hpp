#pragma once
// A thread for work the event loop must not wait for, because VRRP adverts share the loop: IPVS table
// passes (a netlink dump and a batch of edits take tens of milliseconds on a real host with ten thousand
// rules, seconds under emulation) and reading a large config for a reload. Jobs run one at a time in the
// order given; each job's result is handed to its `done` on the owner's event loop. Destroying the worker
// finishes the job in hand, drops the rest, and never calls `done` afterwards. The thread blocks every
// signal: they are the loop thread's (daemon_signals.hpp).
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <thread>

namespace director {

class WorkerThread {
public:
    // `nice` > 0 lowers the thread's CPU priority (Linux: per thread), for work that must never compete
    // with the loop for a CPU: with both cores busy the loop then preempts it at once.
    explicit WorkerThread(boost::asio::io_context& home, int nice = 0);
    ~WorkerThread();
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;

    template <class Result>
    void run(std::function<Result()> job, std::function<void(Result)> done) {
        auto alive = alive_;
        // The home loop counts the job as outstanding work until its result is back, as it would an
        // asynchronous operation of its own.
        auto home_work = boost::asio::make_work_guard(home_);
        boost::asio::post(work_, [this, alive, home_work, job = std::move(job), done = std::move(done)]() mutable {
            if (!*alive) return;
            auto result = std::make_shared<Result>(job());
            boost::asio::post(home_, [alive, result, done = std::move(done)] {
                if (*alive) done(std::move(*result));
            });
        });
    }

private:
    boost::asio::io_context& home_;
    boost::asio::io_context work_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
    std::thread thread_;
};

}  // namespace director
