#pragma once
// Accepting clients on a listening socket without spinning or going silent when accept() fails; the
// control socket and the /metrics endpoint both accept through it.
//
// Out of descriptors (EMFILE, ENFILE), accept() fails at once whether a client waits or not (the kernel
// takes the descriptor first), so asking again at once is a busy loop that never lets the client in.
// Instead the loop waits until a client is there and lets it in with a descriptor kept in reserve for
// that; the reserve is taken again when that client's connection closes (its number is then the only
// free one). Any other failure is retried after a second. Failures are counted, and logged once per
// burst: the first of each kind, and one line when accepting works again.
#include <sys/socket.h>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

namespace director {

// One descriptor (/dev/null) held open to be given up for a client when no other is left.
class DescriptorReserve {
public:
    DescriptorReserve() = default;
    DescriptorReserve(const DescriptorReserve&) = delete;
    DescriptorReserve& operator=(const DescriptorReserve&) = delete;
    ~DescriptorReserve() { close(); }
    // Holds one again if it has none (never after close()). Called wherever a descriptor may have come
    // free, before a health check can take it.
    void take();
    // So that the next accept() gets its number.
    void release();
    // For good: the listener is closing (connections still open may call take() later; it does nothing).
    void close();
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
    bool closed_ = false;
};

// Failed accepts of one listener: counted, and logged as said above.
class AcceptErrors {
public:
    explicit AcceptErrors(std::string listener) : listener_(std::move(listener)) {}
    void failed(const boost::system::error_code& ec);
    void accepted();  // a plain accept() worked: a burst, if any, is over
    uint64_t total() const { return total_; }

private:
    std::string listener_;
    uint64_t total_ = 0, in_burst_ = 0;
    std::set<int> logged_;  // error values said in this burst
};

bool out_of_descriptors(const boost::system::error_code& ec);

template <class Protocol>
class AcceptLoop {
public:
    using Acceptor = boost::asio::basic_socket_acceptor<Protocol>;
    using Socket = typename Protocol::socket;
    using OnClient = std::function<void(Socket)>;

    // `acceptor` must outlive the loop; `listener` names it in the log ("metrics 127.0.0.1:9650").
    AcceptLoop(Acceptor& acceptor, std::string listener, OnClient on_client)
        : state_(std::make_shared<State>(acceptor, std::move(listener), std::move(on_client))) {}
    ~AcceptLoop() { stop(); }
    AcceptLoop(const AcceptLoop&) = delete;
    AcceptLoop& operator=(const AcceptLoop&) = delete;

    // Once the acceptor listens.
    void start() { accept(state_); }
    // Handlers still queued find the loop stopped (or gone) and do nothing.
    void stop() {
        state_->stopped = true;
        state_->retry.cancel();
        state_->reserve->close();
    }
    uint64_t errors() const { return state_->errors.total(); }
    // For connections to take the reserve again when they close.
    const std::shared_ptr<DescriptorReserve>& reserve() const { return state_->reserve; }

private:
    struct State {
        State(Acceptor& a, std::string name, OnClient on)
            : acceptor(a), on_client(std::move(on)), retry(a.get_executor()), errors(std::move(name)) {}
        Acceptor& acceptor;
        OnClient on_client;
        boost::asio::steady_timer retry;
        std::shared_ptr<DescriptorReserve> reserve = std::make_shared<DescriptorReserve>();
        AcceptErrors errors;
        bool stopped = false;
    };
    using Weak = std::weak_ptr<State>;

    // The handlers hold the state weakly: the server may be destroyed with one queued (a reload that
    // moves the endpoint), and an accept that completed just before must not touch it.
    static std::shared_ptr<State> live(const Weak& weak, const boost::system::error_code& ec) {
        auto st = weak.lock();
        if (!st || st->stopped || ec == boost::asio::error::operation_aborted || !st->acceptor.is_open()) return {};
        return st;
    }

    static void accept(const std::shared_ptr<State>& st) {
        st->reserve->take();
        st->acceptor.async_accept([weak = Weak(st)](boost::system::error_code ec, Socket s) {
            auto st = live(weak, ec);
            if (!st) return;
            if (!ec) {
                st->errors.accepted();
                return serve(st, std::move(s));
            }
            st->errors.failed(ec);
            if (out_of_descriptors(ec)) return accept_with_reserve(st);
            accept_later(st);
        });
    }

    static void accept_later(const std::shared_ptr<State>& st) {
        st->retry.expires_after(std::chrono::seconds(1));
        st->retry.async_wait([weak = Weak(st)](boost::system::error_code ec) {
            if (auto st = live(weak, ec)) accept(st);
        });
    }

    // Waiting for readiness needs no descriptor, so nothing runs until a client is there.
    static void accept_with_reserve(const std::shared_ptr<State>& st) {
        st->acceptor.async_wait(Acceptor::wait_read, [weak = Weak(st)](boost::system::error_code ec) {
            auto st = live(weak, ec);
            if (!st) return;
            if (ec) {
                st->errors.failed(ec);
                return accept_later(st);
            }
            st->reserve->take();  // a descriptor may have come free meanwhile
            st->reserve->release();
            const int fd = ::accept4(st->acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
            const int err = errno;
            if (fd < 0) {
                st->reserve->take();  // the slot just given up, before anything else can take it
                if (err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED || err == EINTR)
                    return accept_with_reserve(st);
                st->errors.failed(boost::system::error_code(err, boost::system::system_category()));
                return accept_later(st);  // no reserve to give: the client waits for a descriptor to come free
            }
            Socket s(st->acceptor.get_executor());
            boost::system::error_code assign_ec;
            s.assign(st->acceptor.local_endpoint(assign_ec).protocol(), fd, assign_ec);
            if (assign_ec) {
                ::close(fd);
                st->errors.failed(assign_ec);
                return accept_later(st);
            }
            serve(st, std::move(s));
        });
    }

    // The client first: if it is turned away at once, its slot goes back to the reserve as accept() starts.
    static void serve(const std::shared_ptr<State>& st, Socket s) {
        st->on_client(std::move(s));
        if (!st->stopped && st->acceptor.is_open()) accept(st);
    }

    std::shared_ptr<State> state_;
};

}  // namespace director
