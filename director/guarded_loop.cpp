#include "director/guarded_loop.hpp"

#include <exception>

namespace director {

void run_guarded(boost::asio::io_context& io, const std::function<void(const std::string&)>& on_error) {
    for (;;) {
        try {
            io.run();
            return;
        } catch (const std::exception& e) {
            on_error(e.what());
        } catch (...) {
            on_error("unknown exception");
        }
    }
}

unsigned ErrorBurst::note(Clock::time_point now) {
    if (count_ == 0 || now - start_ > window_) {
        start_ = now;
        count_ = 0;
    }
    return ++count_;
}

}  // namespace director
