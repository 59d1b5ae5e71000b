#pragma once
// Errors and warnings found while reading a config. Every message carries the file:line it is about,
// so `director check` can print them in the form editors and CI logs jump to.
#include <memory>
#include <string>
#include <vector>

namespace director::config {

// A config file's name, one copy shared by every Location in that file. The parsed config lives as long
// as the daemon (reload compares against it) and holds a Location for each real server, checker and url:
// at thousands of real servers, a path too long for std::string's inline buffer, copied into each, was a
// heap block apiece.
class FileName {
public:
    FileName() = default;
    FileName(std::string name) : name_(std::make_shared<const std::string>(std::move(name))) {}
    FileName(const char* name) : FileName(std::string(name)) {}
    const std::string& str() const { return name_ ? *name_ : none(); }
    operator const std::string&() const { return str(); }
    bool empty() const { return str().empty(); }
    friend bool operator==(const FileName& a, const FileName& b) { return a.str() == b.str(); }
    friend bool operator==(const FileName& a, const std::string& b) { return a.str() == b; }

private:
    static const std::string& none() {
        static const std::string empty;
        return empty;
    }
    std::shared_ptr<const std::string> name_;
};

struct Location {
    FileName file;
    int line = 0;
    // Line 0 means the file as a whole (it cannot be opened, it is empty, ...).
    std::string str() const { return line > 0 ? file.str() + ":" + std::to_string(line) : file.str(); }
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
