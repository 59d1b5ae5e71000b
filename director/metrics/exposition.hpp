#pragma once
// The Prometheus text exposition format (version 0.0.4), written by hand because it is small: a family is a
// `# HELP` and a `# TYPE` line followed by its samples, each `name{label="value",...} number`. Label values
// are escaped (backslash, double quote, newline); numbers are written so a parser reads them back exactly.
#include <string>
#include <utility>
#include <vector>

namespace director::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
public:
    enum class Type { Counter, Gauge, Summary, Histogram };
    // Starts a family; samples until the next family() belong to it. A name used twice is merged into the
    // first family (the format allows each family once).
    void family(const std::string& name, Type type, const std::string& help);
    // A sample of the current family; `suffix` for the parts of a summary or histogram ("_sum", "_count",
    // "_bucket").
    void sample(const Labels& labels, double value, const std::string& suffix = "");
    std::string text() const;

private:
    struct Family {
        std::string name, help;
        Type type;
        std::string samples;
    };
    std::vector<Family> families_;
    size_t current_ = 0;
};

std::string escape_label_value(const std::string& v);
std::string format_value(double v);

}  // namespace director::metrics
