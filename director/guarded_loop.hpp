#pragma once
// The daemon's event loop. Asio lets an exception thrown by a handler leave io_context::run(); in a
// daemon that holds a VIP that would mean exiting without the priority-0 advert, so the loop reports the
// exception and carries on with the next handler (Asio documents re-entering run() as safe).
#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>

namespace director {

// Runs `io` until it is stopped or out of work. Each exception that escapes a handler is passed to
// `on_error` (its what(), or "unknown exception") and the loop resumes.
void run_guarded(boost::asio::io_context& io, const std::function<void(const std::string&)>& on_error);

}  // namespace director
