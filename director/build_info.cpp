// Set by director/CMakeLists.txt from `git rev-parse` at configure time; CMake re-runs when HEAD moves.
#include "director/version.hpp"

#ifndef DIRECTOR_GIT_COMMIT
#define DIRECTOR_GIT_COMMIT ""
#endif

namespace director {

const char* git_commit() { return DIRECTOR_GIT_COMMIT; }

std::string version_line() {
    std::string c = git_commit();
    return std::string(version()) + (c.empty() ? "" : " (commit " + c + ")");
}

}  // namespace director
