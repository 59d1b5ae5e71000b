#include "director/metrics/exposition.hpp"

#include <cmath>
#include <cstdio>

namespace director::metrics {

std::string escape_label_value(const std::string& v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Integers (every counter) print without an exponent; the rest with enough digits to round-trip.
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

void Exposition::family(const std::string& name, Type type, const std::string& help) {
    for (size_t i = 0; i < families_.size(); ++i)
        if (families_[i].name == name) {
            current_ = i;
            return;
        }
    families_.push_back({name, help, type, {}});
    current_ = families_.size() - 1;
}

void Exposition::sample(const Labels& labels, double value, const std::string& suffix) {
    auto& f = families_.at(current_);
    f.samples += f.name + suffix;
    if (!labels.empty()) {
        f.samples += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
            if (i) f.samples += ',';
            f.samples += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
        }
        f.samples += '}';
    }
    f.samples += ' ' + format_value(value) + '\n';
}

std::string Exposition::text() const {
    std::string out;
    for (const auto& f : families_) {
        if (f.samples.empty()) continue;
        const char* type = f.type == Type::Counter     ? "counter"
                           : f.type == Type::Gauge     ? "gauge"
                           : f.type == Type::Histogram ? "histogram"
                                                       : "summary";
        out += "# HELP " + f.name + ' ' + f.help + '\n';
        out += "# TYPE " + f.name + ' ' + type + '\n';
        out += f.samples;
    }
    return out;
}

}  // namespace director::metrics
