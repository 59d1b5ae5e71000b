#include "healthcheck/checker.hpp"

#include <algorithm>

namespace healthcheck {

CheckState::Step CheckState::on_result(bool ok) {
    // Retries only guard an up server against a single lost probe; a down server needs no second chance.
    if (!ok && up_ && retries_left_ > 0) {
        --retries_left_;
        return {p_.delay_before_retry, false, false};
    }
    retries_left_ = p_.retry;
    bool changed = false;
    if (ok) {
        fail_run_ = 0;
        ++ok_run_;
        if (!up_ && ok_run_ >= p_.rise) up_ = changed = true;
    } else {
        ok_run_ = 0;
        ++fail_run_;
        if (up_ && fail_run_ >= p_.fall) {
            up_ = false;
            changed = true;
        }
    }
    return {p_.interval, true, changed};
}

Checker::Checker(boost::asio::io_context& io, Policy p)
    : io_(io), state_(p), timer_(io), rng_(std::random_device{}()) {}

void Checker::start(Listener listener) {
    listener_ = std::move(listener);
    running_ = true;
    Millis first{0};
    if (policy().warmup.count() > 0)
        first = Millis(std::uniform_int_distribution<long long>(0, policy().warmup.count())(rng_));
    schedule(first);
}

void Checker::stop() {
    running_ = false;
    ++generation_;
    timer_.cancel();
    if (in_exchange_) {
        in_exchange_ = false;
        abort();
    }
}

std::chrono::steady_clock::time_point Checker::on_slot(std::chrono::steady_clock::time_point due, Millis slot) {
    auto s = std::chrono::duration_cast<std::chrono::steady_clock::duration>(slot);
    if (s.count() <= 0) return due;
    auto past = due.time_since_epoch() % s;
    return past.count() == 0 ? due : due + (s - past);
}

Millis Checker::timer_slot() const { return std::min(policy().interval / 64, Millis(500)); }

void Checker::schedule(Millis after) {
    timer_.expires_at(on_slot(std::chrono::steady_clock::now() + after, timer_slot()));
    timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
        auto self = w.lock();
        if (ec || !self || !self->running_) return;
        // Due at the timer's expiry; whatever the loop did since then is this check's start delay.
        self->start_delays_.record(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - self->timer_.expiry()),
                                   self->policy().timeout);
        self->run_once();
    });
}

void Checker::run_once() {
    uint64_t gen = ++generation_;
    in_exchange_ = true;
    phase_ = "check";
    started_ = std::chrono::steady_clock::now();
    // The one timer is the exchange's deadline now, and the next check's start again after it.
    timer_.expires_after(deadline());
    timer_.async_wait([w = weak_from_this(), gen](const boost::system::error_code& ec) {
        auto self = w.lock();
        if (ec || !self || gen != self->generation_ || !self->in_exchange_) return;
        CheckResult r;
        r.ok = false;
        r.reason = std::string("timeout during ") + self->phase_;
        self->finish(gen, std::move(r));
        self->abort();
    });
    exchange([w = weak_from_this(), gen](CheckResult r) {
        auto self = w.lock();
        if (!self) return;
        self->finish(gen, std::move(r));
    });
}

void Checker::finish(uint64_t gen, CheckResult r) {
    if (gen != generation_ || !in_exchange_ || !running_) return;
    in_exchange_ = false;
    r.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
    auto step = state_.on_result(r.ok);
    last_ = r;
    if (step.counted) {
        ++checks_;
        if (!r.ok) ++failed_;
    }
    schedule(step.next_in);
    if (step.counted && listener_) listener_({state_.up(), step.changed, r});
}

}  // namespace healthcheck
