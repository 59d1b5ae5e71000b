#include "director/version.hpp"

namespace director {
const char* version() { return "0.1.0"; }
}  // namespace director
