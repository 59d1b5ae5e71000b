#include "director/staticpod/yaml_emit.hpp"

#include <regex>
#include <stdexcept>

namespace director::staticpod {

YAML::Node yaml_bool(bool value) {
    YAML::Node n(value ? "true" : "false");
    n.SetTag(kBoolTag);
    return n;
}

bool reads_as_non_string(const std::string& text) {
    // YAML 1.1 booleans and nulls, numbers of any base/notation (anything that starts like one),
    // and the special floats.
    static const std::regex special(
        "^(|~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
        "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)|<<)$");
    static const std::regex numeric("^[-+]?\\.?[0-9].*$");
    return std::regex_match(text, special) || std::regex_match(text, numeric);
}

namespace {

void emit(YAML::Emitter& out, const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map:
            out << YAML::BeginMap;
            for (const auto& kv : node) {
                out << YAML::Key;
                emit(out, kv.first);
                out << YAML::Value;
                emit(out, kv.second);
            }
            out << YAML::EndMap;
            break;
        case YAML::NodeType::Sequence:
            out << YAML::BeginSeq;
            for (const auto& item : node) emit(out, item);
            out << YAML::EndSeq;
            break;
        case YAML::NodeType::Scalar: {
            const auto& text = node.Scalar();
            if (node.Tag() != kBoolTag && reads_as_non_string(text)) out << YAML::DoubleQuoted;
            out << text;
            break;
        }
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            out << YAML::Null;
            break;
    }
}

}  // namespace

std::string emit_typed_yaml(const YAML::Node& node) {
    YAML::Emitter out;
    emit(out, node);
    if (!out.good()) throw std::runtime_error(std::string("yaml: ") + out.GetLastError());
    return std::string(out.c_str()) + "\n";
}

}  // namespace director::staticpod
