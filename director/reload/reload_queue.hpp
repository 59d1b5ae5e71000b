#pragma once
// Reload requests (SIGHUP, `director reload`) against the one reload that may run at a time. A request
// while none runs starts one; requests that arrive while one runs are folded into exactly one more,
// started when the running one ends: it reads the file as it is by then, so every request is answered by
// a reload that began after it was made, and a burst of requests costs two reloads, not one per request.
#include <functional>
#include <utility>
#include <vector>

namespace director::reload {

template <class Result>
class ReloadQueue {
public:
    using Waiter = std::function<void(const Result&)>;  // may be empty (SIGHUP has nobody to answer)

    // Returns true when the caller must start a reload now and report its end with finished().
    bool request(Waiter w) {
        if (!running_) {
            running_ = true;
            current_.push_back(std::move(w));
            return true;
        }
        pending_ = true;
        next_.push_back(std::move(w));
        return false;
    }

    // The running reload ended with `r`: its waiters are answered. Returns true when the folded
    // requests need their reload, which the caller must start now (and report with finished() again).
    // A waiter that requests again from its answer is told by request() itself.
    bool finished(const Result& r) {
        auto answered = std::exchange(current_, {});
        running_ = pending_;
        pending_ = false;
        current_ = std::exchange(next_, {});
        const bool again = running_;
        for (auto& w : answered)
            if (w) w(r);
        return again;
    }

    bool running() const { return running_; }
    bool pending() const { return pending_; }

private:
    bool running_ = false, pending_ = false;
    std::vector<Waiter> current_, next_;
};

}  // namespace director::reload
