#include "director/config/tree.hpp"

#include <glob.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace director::config {

const std::string& Node::arg(size_t i) const {
    static const std::string empty;
    return i < args.size() ? args[i] : empty;
}

namespace {

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
        if (c == ' ' || c == '\t' || c == '\r') { ++i; continue; }
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
            while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != '{' &&
                   text[i] != '}' && text[i] != '"') {
                // A comment character glued to a word ("a#b") is part of the word, as in keepalived.
                word += text[i++];
            }
        }
        out.push_back({Token::Word, word, line, nl});
        nl = false;
    }
    out.push_back({Token::End, "", line, true});
    return out;
}

class Parser {
public:
    Parser(Diagnostics& diag, int depth) : diag_(diag), depth_(depth) {}

    std::vector<Node> parse(const std::string& text, const std::string& name) {
        name_ = name;
        toks_ = tokenize(text, name, diag_);
        pos_ = 0;
        auto nodes = block(false);
        return nodes;
    }

private:
    std::vector<Node> block(bool nested) {
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
                block(true);
                continue;
            }
            Node n;
            n.keyword = t.text;
            n.where = {name_, t.line};
            ++pos_;
            while (toks_[pos_].kind == Token::Word && !toks_[pos_].newline_before) n.args.push_back(toks_[pos_++].text);
            if (toks_[pos_].kind == Token::Open) {
                ++pos_;
                n.has_block = true;
                n.children = block(true);
            }
            if (n.keyword == "include") {
                include(n, nodes);
                continue;
            }
            nodes.push_back(std::move(n));
        }
    }

    void include(const Node& n, std::vector<Node>& into) {
        if (n.args.size() != 1) {
            diag_.error(n.where, "include needs exactly one path or glob");
            return;
        }
        if (depth_ >= 8) {
            diag_.error(n.where, "include nested too deeply (include loop?)");
            return;
        }
        std::filesystem::path pattern = n.args[0];
        if (pattern.is_relative()) pattern = std::filesystem::path(name_).parent_path() / pattern;
        glob_t g{};
        int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
        if (rc == GLOB_NOMATCH) {
            // keepalived accepts a glob that matches nothing; a plain path that is missing is an error.
            if (n.args[0].find_first_of("*?[") == std::string::npos)
                diag_.error(n.where, "include: " + pattern.string() + ": no such file");
        } else if (rc != 0) {
            diag_.error(n.where, "include: cannot expand " + pattern.string());
        } else {
            for (size_t i = 0; i < g.gl_pathc; ++i) {
                auto sub = parse_file_depth(g.gl_pathv[i], depth_ + 1);
                for (auto& s : sub) into.push_back(std::move(s));
            }
        }
        globfree(&g);
    }

    std::vector<Node> parse_file_depth(const std::string& path, int depth) {
        std::ifstream in(path);
        if (!in) {
            diag_.error({path, 0}, "cannot open config file");
            return {};
        }
        std::stringstream ss;
        ss << in.rdbuf();
        Parser sub(diag_, depth);
        return sub.parse(ss.str(), path);
    }

    Diagnostics& diag_;
    int depth_;
    std::string name_;
    std::vector<Token> toks_;
    size_t pos_ = 0;

    friend std::vector<Node> config::parse_file(const std::string&, Diagnostics&);
};

}  // namespace

std::vector<Node> parse_file(const std::string& path, Diagnostics& diag) {
    Parser p(diag, 0);
    return p.parse_file_depth(path, 0);
}

std::vector<Node> parse_text(const std::string& text, const std::string& name, Diagnostics& diag) {
    Parser p(diag, 0);
    return p.parse(text, name);
}

}  // namespace director::config
