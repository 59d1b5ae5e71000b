// track_file NAME { file PATH; weight W [reverse]; init_file [VALUE] [overwrite] } and the track_file blocks
// that refer to one. keepalived's grammar and ranges; `vrrp_track_file` is its older name.
#include <filesystem>

#include "director/config/model.hpp"
#include "director/config/values.hpp"

namespace director::config {

namespace {
// Weights are -254..254: 254 lets a file hold a negative value and still reach the FAULT product -254.
constexpr long long kMaxWeight = 254;

// `W [reverse|noreverse]` from args[first...]; errors name `n.keyword`. False (after reporting) when malformed.
bool weight_args(const Node& n, size_t first, int& weight, std::optional<bool>& reverse, Diagnostics& diag) {
    auto v = int_arg(n, diag, -kMaxWeight, kMaxWeight, first);
    if (!v) return false;
    weight = static_cast<int>(*v);
    if (first + 1 < n.args.size()) {
        const std::string& word = n.args[first + 1];
        if ((word != "reverse" && word != "noreverse") || first + 2 != n.args.size()) {
            diag.error(n.where, n.keyword + ": expected weight W [reverse|noreverse], got '" + word + "'");
            return false;
        }
        reverse = word == "reverse";
    }
    return true;
}
}  // namespace

void parse_track_file(const Node& s, Config& cfg, Diagnostics& diag) {
    if (s.args.size() != 1) {
        diag.error(s.where, s.keyword + " takes one NAME");
        return;
    }
    TrackFileConf tf;
    tf.name = s.args[0];
    tf.where = s.where;
    bool have_file = false;
    for (const Node& n : s.children) {
        const std::string& k = n.keyword;
        if (k == "file") {
            if (!expect_args(n, 1, diag)) continue;
            std::filesystem::path p(n.args[0]);
            if (p.empty()) {
                diag.error(n.where, "file: empty path");
                continue;
            }
            // Relative paths mean the config's directory, as include does, not wherever the daemon was started.
            if (p.is_relative()) p = std::filesystem::path(n.where.file.str()).parent_path() / p;
            tf.path = p.lexically_normal().string();
            have_file = true;
        } else if (k == "weight") {
            if (n.args.empty() || n.args.size() > 2) {
                diag.error(n.where, "weight takes W [reverse], W in -254..254");
                continue;
            }
            std::optional<bool> reverse;
            if (weight_args(n, 0, tf.weight, reverse, diag)) tf.reverse = reverse.value_or(false);
        } else if (k == "init_file") {
            // init_file [VALUE] [overwrite]
            size_t i = 0;
            tf.init_value = 0;
            if (i < n.args.size() && n.args[i] != "overwrite") {
                if (auto v = int_arg(n, diag, -2147483648LL, 2147483647LL, i)) tf.init_value = *v;
                ++i;
            }
            if (i < n.args.size() && n.args[i] == "overwrite") {
                tf.init_overwrite = true;
                ++i;
            }
            if (i != n.args.size()) diag.error(n.where, "init_file takes [VALUE] [overwrite]");
        } else {
            diag.error(n.where, "unknown keyword '" + k + "' in track_file (known: file, weight, init_file)");
        }
    }
    if (!have_file) diag.error(s.where, "track_file " + tf.name + ": missing 'file'");
    for (const auto& other : cfg.track_files)
        if (other.name == tf.name)
            diag.error(s.where, "track_file " + tf.name + " is already defined at " + other.where.str());
    cfg.track_files.push_back(std::move(tf));
}

void parse_track_file_refs(const Node& block, std::vector<VrrpTrackFileConf>& out, Diagnostics& diag) {
    for (const Node& line : block.children) {
        VrrpTrackFileConf t{line.keyword, std::nullopt, std::nullopt, line.where};
        if (!line.args.empty()) {
            if (line.args[0] != "weight" || line.args.size() < 2) {
                diag.error(line.where, "track_file: expected NAME [weight W [reverse|noreverse]]");
                continue;
            }
            Node w = line;
            w.keyword = "track_file " + line.keyword;
            int weight = 0;
            if (!weight_args(w, 1, weight, t.reverse, diag)) continue;
            t.weight = weight;
        }
        out.push_back(t);
    }
}

}  // namespace director::config
