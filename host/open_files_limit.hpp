#pragma once
// The daemon's open-files limit. A keep-alive health check holds a socket per checked server between
// checks, so thousands of real servers need more than the usual soft limit of 1,024 descriptors.
#include <string>

namespace host {

// Raises the soft RLIMIT_NOFILE to the hard limit. Returns the limit now in force, or an error text.
struct OpenFilesLimit {
    unsigned long long soft = 0;
    std::string error;
};
OpenFilesLimit raise_open_files_limit();
// The soft limit in force now (after the raise, or what prlimit set since); 0 when it cannot be read.
unsigned long long open_files_limit();

}  // namespace host
