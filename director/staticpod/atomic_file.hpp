#pragma once
// Replace a file so readers (kubelet watching the manifest directory, a second `director realserver`)
// see either the old content or the new, never a partial write: temp file in the same directory,
// fsync, rename over the target.
#include <filesystem>
#include <string_view>

namespace director::staticpod {

// Creates missing parent directories. Throws std::runtime_error naming the path on failure and leaves
// no temp file behind.
void write_file_atomically(const std::filesystem::path& target, std::string_view content, int mode = 0644);

}  // namespace director::staticpod
