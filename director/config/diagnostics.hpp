#pragma once
// Errors and warnings found while reading a config. Every message carries the file:line it is about,
// so `director check` can print them in the form editors and CI logs jump to.
#include <string>
#include <vector>

namespace director::config {

struct Location {
    std::string file;
    int line = 0;
    // Line 0 means the file as a whole (it cannot be opened, it is empty, ...).
    std::string str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
    bool operator==(const Location&) const = default;
};

struct Diagnostic {
    Location where;
    std::string message;
    std::string str() const { return where.str() + ": " + message; }
};

class Diagnostics {
public:
    void error(const Location& at, std::string message) { errors_.push_back({at, std::move(message)}); }
    void warning(const Location& at, std::string message) { warnings_.push_back({at, std::move(message)}); }
    bool ok() const { return errors_.empty(); }
    const std::vector<Diagnostic>& errors() const { return errors_; }
    const std::vector<Diagnostic>& warnings() const { return warnings_; }

private:
    std::vector<Diagnostic> errors_;
    std::vector<Diagnostic> warnings_;
};

}  // namespace director::config
