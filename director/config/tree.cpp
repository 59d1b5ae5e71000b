#include "director/config/tree.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

namespace director::config {

const std::string& Node::arg(size_t i) const {
    static const std::string empty;
    return i < args.size() ? args[i] : empty;
}

namespace {

// Inside a line every whitespace byte separates words; a newline also ends the statement. The skip
// and the word loop must agree on this set, or a byte neither consumes stops the tokenizer making
// progress (a form feed once did).
bool is_blank(char c) { return c != '\n' && std::isspace(static_cast<unsigned char>(c)); }
bool ends_word(char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '{' || c == '}' || c == '"'; }

struct Token {
    enum Kind { Word, Open, Close, End } kind;
    std::string text;
    int line;
    bool newline_before;  // statements end at a newline, as in keepalived
};

// Splits text into words, braces and quoted strings. '#' and '!' start comments outside quotes.
std::vector<Token> tokenize(const std::string& text, const std::string& name, Diagnostics& diag) {
    std::vector<Token> out;
    int line = 1;
    bool nl = true;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '\n') { ++line; nl = true; ++i; continue; }
        if (is_blank(c)) { ++i; continue; }
        if (c == '#' || c == '!') {
            while (i < text.size() && text[i] != '\n') ++i;
            continue;
        }
        if (c == '{' || c == '}') {
            out.push_back({c == '{' ? Token::Open : Token::Close, std::string(1, c), line, nl});
            nl = false;
            ++i;
            continue;
        }
        std::string word;
        if (c == '"') {
            int start_line = line;
            ++i;
            bool closed = false;
            while (i < text.size()) {
                if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
                    word += text[i + 1];
                    i += 2;
                    continue;
                }
                if (text[i] == '"') { closed = true; ++i; break; }
                if (text[i] == '\n') break;
                word += text[i++];
            }
            if (!closed) diag.error({name, start_line}, "unterminated quoted string");
        } else {
            // A comment character glued to a word ("a#b") is part of the word, as in keepalived. The
            // first byte is never a word end (every such byte is handled above), so this always advances.
            do {
                word += text[i++];
            } while (i < text.size() && !ends_word(text[i]));
        }
        out.push_back({Token::Word, word, line, nl});
        nl = false;
    }
    out.push_back({Token::End, "", line, true});
    return out;
}

// Limits that keep any input, hostile or broken, to a bounded answer: a config is a few hundred lines,
// so these are far above real use and far below what exhausts memory or time.
constexpr int kMaxBlockDepth = 64;
constexpr size_t kMaxIncludeDepth = 8;
constexpr size_t kMaxFiles = 1000;                   // the main file plus every include, in total
constexpr size_t kMaxBytes = size_t{16} << 20;       // summed over those files

// Shared by one top-level parse and every file it includes.
struct Budget {
    size_t files = 0;
    size_t bytes = 0;
    bool files_exhausted = false;
    std::set<std::string> loops_reported;  // include sites: a glob bomb would repeat each one many times
    std::vector<std::string> chain;  // canonical paths of the files being read, outermost first
};

const char* file_kind(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    if (S_ISFIFO(m)) return "a pipe";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

// Reads a whole config file, refusing what is not a regular file (a directory, /dev/zero, a fifo that
// would block) and anything past the byte budget. Errors are reported at `at` (the include line, or
// the file itself for the top-level one).
std::optional<std::string> read_config(const std::string& path, const Location& at, Budget& budget,
                                       Diagnostics& diag) {
    // An include line names the file in the message; the top-level file is already the location.
    const std::string what = at.line == 0 && at.file == path ? "" : path + ": ";
    // O_NONBLOCK: opening a fifo must not wait for a writer; it is refused below anyway.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        diag.error(at, what + "cannot open config file: " + std::strerror(errno));
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        diag.error(at, what + "is " + file_kind(st.st_mode) + ", not a config file");
        ::close(fd);
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            diag.error(at, what + "read error: " + std::strerror(errno));
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        budget.bytes += static_cast<size_t>(n);
        if (budget.bytes > kMaxBytes) {
            diag.error(at, what + "config too large (more than " + std::to_string(kMaxBytes >> 20) +
                               " MiB with its includes)");
            ::close(fd);
            return std::nullopt;
        }
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return text;
}

class Parser {
public:
    Parser(Diagnostics& diag, Budget& budget) : diag_(diag), budget_(budget) {}

    std::vector<Node> parse(const std::string& text, const std::string& name) {
        name_ = name;
        toks_ = tokenize(text, name, diag_);
        pos_ = 0;
        return block(false, 0);
    }

    // `at`: where the file was named (an include line), for errors about the file itself.
    std::vector<Node> parse_file_at(const std::string& path, const Location& at) {
        std::error_code ec;
        std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
        if (ec) canonical = path;
        auto loop = std::find(budget_.chain.begin(), budget_.chain.end(), canonical);
        if (loop != budget_.chain.end()) {
            if (!budget_.loops_reported.insert(at.str()).second) return {};
            std::string route;
            for (auto it = loop; it != budget_.chain.end(); ++it) route += *it + " -> ";
            diag_.error(at, "include loop: " + route + canonical);
            return {};
        }
        if (budget_.chain.size() > kMaxIncludeDepth) {
            diag_.error(at, "include nested more than " + std::to_string(kMaxIncludeDepth) + " files deep");
            return {};
        }
        if (++budget_.files > kMaxFiles) {
            if (!budget_.files_exhausted)
                diag_.error(at, "more than " + std::to_string(kMaxFiles) + " config files included in total");
            budget_.files_exhausted = true;
            return {};
        }
        auto text = read_config(path, at, budget_, diag_);
        if (!text) return {};
        budget_.chain.push_back(canonical);
        Parser sub(diag_, budget_);
        auto nodes = sub.parse(*text, path);
        budget_.chain.pop_back();
        return nodes;
    }

private:
    // Statements up to the matching '}' (nested) or the end of the file. `depth` counts the enclosing
    // blocks; past kMaxBlockDepth the block is skipped without recursing, so nesting costs no stack.
    std::vector<Node> block(bool nested, int depth) {
        std::vector<Node> nodes;
        while (true) {
            const Token& t = toks_[pos_];
            if (t.kind == Token::End) {
                if (nested) diag_.error({name_, t.line}, "missing '}' at end of file");
                return nodes;
            }
            if (t.kind == Token::Close) {
                ++pos_;
                if (!nested) {
                    diag_.error({name_, t.line}, "unexpected '}'");
                    continue;
                }
                return nodes;
            }
            if (t.kind == Token::Open) {
                diag_.error({name_, t.line}, "'{' without a keyword before it");
                ++pos_;
                child_block(depth, t.line);
                continue;
            }
            Node n;
            n.keyword = t.text;
            n.where = {name_, t.line};
            ++pos_;
            while (toks_[pos_].kind == Token::Word && !toks_[pos_].newline_before) n.args.push_back(toks_[pos_++].text);
            if (toks_[pos_].kind == Token::Open) {
                int line = toks_[pos_].line;
                ++pos_;
                n.has_block = true;
                n.children = child_block(depth, line);
            }
            if (n.keyword == "include") {
                include(n, nodes);
                continue;
            }
            nodes.push_back(std::move(n));
        }
    }

    // The block after an opening brace (already consumed) at `line`.
    std::vector<Node> child_block(int depth, int line) {
        if (depth + 1 <= kMaxBlockDepth) return block(true, depth + 1);
        diag_.error({name_, line}, "blocks nested more than " + std::to_string(kMaxBlockDepth) + " deep");
        for (int open = 1; open > 0 && toks_[pos_].kind != Token::End; ++pos_) {
            if (toks_[pos_].kind == Token::Open) ++open;
            if (toks_[pos_].kind == Token::Close) --open;
        }
        if (toks_[pos_].kind == Token::End) diag_.error({name_, toks_[pos_].line}, "missing '}' at end of file");
        return {};
    }

    void include(const Node& n, std::vector<Node>& into) {
        if (n.args.size() != 1) {
            diag_.error(n.where, "include needs exactly one path or glob");
            return;
        }
        std::filesystem::path pattern = n.args[0];
        if (pattern.is_relative()) pattern = std::filesystem::path(name_.str()).parent_path() / pattern;
        glob_t g{};
        int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
        if (rc == GLOB_NOMATCH) {
            // keepalived accepts a glob that matches nothing; a plain path that is missing is an error.
            if (n.args[0].find_first_of("*?[") == std::string::npos)
                diag_.error(n.where, "include: " + pattern.string() + ": no such file");
        } else if (rc != 0) {
            diag_.error(n.where, "include: cannot expand " + pattern.string());
        } else {
            for (size_t i = 0; i < g.gl_pathc && !budget_.files_exhausted; ++i) {
                auto sub = parse_file_at(g.gl_pathv[i], n.where);
                for (auto& s : sub) into.push_back(std::move(s));
            }
        }
        globfree(&g);
    }

    Diagnostics& diag_;
    Budget& budget_;
    FileName name_;  // shared by every node's Location
    std::vector<Token> toks_;
    size_t pos_ = 0;
};

}  // namespace

std::vector<Node> parse_file(const std::string& path, Diagnostics& diag) {
    Budget budget;
    Parser p(diag, budget);
    return p.parse_file_at(path, {path, 0});
}

std::vector<Node> parse_text(const std::string& text, const std::string& name, Diagnostics& diag) {
    Budget budget;
    Parser p(diag, budget);
    return p.parse(text, name);
}

}  // namespace director::config
