#pragma once
#include <string>

namespace director {
// stderr logger with timestamps. Level names: debug, info, warn, error (lvscare's DEBG/INFO/WARN/EROR
// are accepted too). Returns false for an unknown name.
bool setup_logging(const std::string& level);
}  // namespace director
