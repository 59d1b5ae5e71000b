// The config reader on hostile and broken input: every byte, random buffers, nesting and include bombs,
// files that are not files. Each must end in an answer (nodes or a file:line error), never a hang, a
// crash or unbounded memory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "director/config/host_check.hpp"
#include "director/config/model.hpp"
#include "director/config/tree.hpp"
#include "tests/director/temp_dir.hpp"

using namespace director::config;
using director::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string all_errors(const Diagnostics& d) {
    std::string s;
    for (const auto& e : d.errors()) s += e.str() + "\n";
    return s;
}

bool has_error(const Diagnostics& d, const std::string& needle) {
    return all_errors(d).find(needle) != std::string::npos;
}

}  // namespace

TEST(ConfigLimits, FormFeedAndVerticalTabSeparateWordsLikeOtherBlanks) {
    Diagnostics d;
    auto nodes = parse_text("a\fb\vc\n", "t.conf", d);
    ASSERT_TRUE(d.ok()) << all_errors(d);
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_EQ(nodes[0].keyword, "a");
    EXPECT_EQ(nodes[0].args, (std::vector<std::string>{"b", "c"}));
}

TEST(ConfigLimits, EveryByteValueEndsInAnAnswer) {
    for (int b = 0; b < 256; ++b) {
        const std::string c(1, static_cast<char>(b));
        for (const std::string& text : {c, "x" + c + "\n", "x" + c + "y\n", "a {\n k " + c + "v\n}\n",
                                        "k \"q" + c + "\"\n", c + c + c + "{" + c + "}" + c}) {
            Diagnostics d;
            auto nodes = parse_text(text, "t.conf", d);
            // Every byte is either consumed into a word or skipped: the words never hold more bytes than
            // the input, which is what a tokenizer stuck on an empty word would violate first.
            size_t bytes = 0;
            for (const auto& n : nodes) {
                bytes += n.keyword.size();
                for (const auto& a : n.args) bytes += a.size();
            }
            EXPECT_LE(bytes, text.size()) << "byte " << b;
        }
    }
}

TEST(ConfigLimits, RandomBuffersEndInAnAnswer) {
    std::mt19937 rng(20261122);
    // Mostly grammar bytes, so braces, quotes and comments meet each other often.
    const std::string alphabet = "{}{}\"\"#!\n\n \t\f\vabcinclude_*.conf";
    for (int round = 0; round < 3000; ++round) {
        std::string text(1 + rng() % 4096, '\0');
        for (auto& ch : text)
            ch = rng() % 4 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
        Diagnostics d;
        // Include statements in random text resolve against a name with no directory, and globs that
        // match nothing are accepted; the point is the reader returns.
        load_text(text, "/nonexistent-dir/r.conf", d);
    }
}

namespace {
std::string nested(int depth) {
    std::string text;
    for (int i = 0; i < depth; ++i) text += "a {\n";
    for (int i = 0; i < depth; ++i) text += "}\n";
    return text;
}
}  // namespace

TEST(ConfigLimits, DeepNestingIsAnErrorWithALineNotACrash) {
    Diagnostics d;
    parse_text(nested(50000), "deep.conf", d);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.errors()[0].str(), "deep.conf:65: blocks nested more than 64 deep");
    EXPECT_EQ(d.errors().size(), 1u) << all_errors(d);
}

TEST(ConfigLimits, NestingUpToTheLimitIsAccepted) {
    Diagnostics d;
    parse_text(nested(64), "ok.conf", d);
    EXPECT_TRUE(d.ok()) << all_errors(d);
}

TEST(ConfigLimits, FileThatIncludesItselfIsALoop) {
    TempDir dir;
    write(dir.path() / "self.conf", "global_defs {\n}\ninclude self.conf\n");
    Diagnostics d;
    parse_file((dir.path() / "self.conf").string(), d);
    ASSERT_EQ(d.errors().size(), 1u) << all_errors(d);
    EXPECT_TRUE(has_error(d, "self.conf:3: include loop: ")) << all_errors(d);
}

TEST(ConfigLimits, MutualIncludesAreALoopNamingTheChain) {
    TempDir dir;
    write(dir.path() / "a.conf", "include b.conf\n");
    write(dir.path() / "b.conf", "x 1\ninclude a.conf\n");
    Diagnostics d;
    parse_file((dir.path() / "a.conf").string(), d);
    const std::string a = (dir.path() / "a.conf").string(), b = (dir.path() / "b.conf").string();
    EXPECT_TRUE(has_error(d, b + ":2: include loop: " + a + " -> " + b + " -> " + a)) << all_errors(d);
}

TEST(ConfigLimits, GlobIncludeBombStopsAtTheFileCap) {
    // Six files that each include every file: without loop detection and a cap, millions of expansions.
    TempDir dir;
    for (int i = 0; i < 6; ++i) write(dir.path() / ("f" + std::to_string(i) + ".conf"), "k v\ninclude *.conf\n");
    Diagnostics d;
    auto nodes = parse_file((dir.path() / "f0.conf").string(), d);
    ASSERT_FALSE(d.ok());
    EXPECT_TRUE(has_error(d, "include loop")) << all_errors(d);
    EXPECT_TRUE(has_error(d, "config files included in total") || nodes.size() <= 1000) << all_errors(d);
}

TEST(ConfigLimits, ManyIncludedFilesStopAtTheCap) {
    TempDir dir;
    fs::create_directory(dir.path() / "d");
    for (int i = 0; i < 1005; ++i) write(dir.path() / "d" / ("s" + std::to_string(i) + ".conf"), "k v\n");
    write(dir.path() / "main.conf", "include d/*.conf\n");
    Diagnostics d;
    auto nodes = parse_file((dir.path() / "main.conf").string(), d);
    EXPECT_TRUE(has_error(d, "main.conf:1: more than 1000 config files included in total")) << all_errors(d);
    EXPECT_EQ(d.errors().size(), 1u);
    EXPECT_EQ(nodes.size(), 999u);  // the main file counts as one of the thousand
}

TEST(ConfigLimits, IncludingADeviceIsRefusedWithoutReadingIt) {
    TempDir dir;
    write(dir.path() / "z.conf", "include /dev/zero\n");
    Diagnostics d;
    parse_file((dir.path() / "z.conf").string(), d);
    EXPECT_EQ(all_errors(d), (dir.path() / "z.conf").string() + ":1: /dev/zero: is a device, not a config file\n");
}

TEST(ConfigLimits, ADirectoryIsNotAConfigFile) {
    TempDir dir;
    fs::create_directory(dir.path() / "conf.d");
    Diagnostics d;
    parse_file((dir.path() / "conf.d").string(), d);
    EXPECT_EQ(all_errors(d), (dir.path() / "conf.d").string() + ": is a directory, not a config file\n");

    write(dir.path() / "inc.conf", "include conf.d\n");
    Diagnostics d2;
    parse_file((dir.path() / "inc.conf").string(), d2);
    EXPECT_TRUE(has_error(d2, "inc.conf:1: " + (dir.path() / "conf.d").string() + ": is a directory")) << all_errors(d2);
}

TEST(ConfigLimits, AFifoIsRefusedWithoutBlocking) {
    TempDir dir;
    const auto fifo = dir.path() / "pipe.conf";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    Diagnostics d;
    parse_file(fifo.string(), d);
    EXPECT_EQ(all_errors(d), fifo.string() + ": is a pipe, not a config file\n");
}

TEST(ConfigLimits, ConfigLargerThanTheByteCapIsRefused) {
    TempDir dir;
    write(dir.path() / "big.conf", std::string(17u << 20, '#'));
    write(dir.path() / "main.conf", "k v\ninclude big.conf\n");
    Diagnostics d;
    parse_file((dir.path() / "main.conf").string(), d);
    EXPECT_TRUE(has_error(d, "main.conf:2: " + (dir.path() / "big.conf").string() +
                                 ": config too large (more than 16 MiB with its includes)"))
        << all_errors(d);
}

TEST(ConfigLimits, MissingFileIsAnErrorNamingIt) {
    Diagnostics d;
    parse_file("/nonexistent/director.conf", d);
    EXPECT_EQ(all_errors(d), "/nonexistent/director.conf: cannot open config file: No such file or directory\n");
}

TEST(ConfigLimits, EmptyFileOrOnlyGlobalsHasNothingToDo) {
    for (const std::string& text : {std::string(), std::string("global_defs {\n router_id a\n}\n")}) {
        Diagnostics d;
        auto cfg = load_text(text, "empty.conf", d);
        ASSERT_TRUE(d.ok()) << all_errors(d);
        require_work(cfg, d);
        EXPECT_EQ(all_errors(d), "empty.conf: nothing to do: no vrrp_instance and no virtual_server\n");
    }
}

TEST(HostCheck, MissingInterfacesAreWarningsForCheckAndErrorsForRun) {
    const std::string text = "vrrp_instance VI_1 {\n interface eth9\n virtual_router_id 1\n priority 100\n"
                             " track_interface {\n  bond7\n  eth0\n }\n virtual_ipaddress {\n"
                             "  198.18.0.100/24 dev eth8\n }\n}\n";
    Diagnostics d;
    auto cfg = load_text(text, "h.conf", d);
    ASSERT_TRUE(d.ok()) << all_errors(d);
    auto only_eth0 = [](const std::string& n) { return n == "eth0"; };

    Diagnostics warn;
    check_host(cfg, warn, /*as_errors=*/false, only_eth0);
    EXPECT_TRUE(warn.ok());
    ASSERT_EQ(warn.warnings().size(), 3u);
    EXPECT_EQ(warn.warnings()[0].str(), "h.conf:2: vrrp_instance VI_1: interface eth9 does not exist on this host");
    EXPECT_EQ(warn.warnings()[1].str(),
              "h.conf:6: vrrp_instance VI_1 track_interface: interface bond7 does not exist on this host");
    EXPECT_EQ(warn.warnings()[2].str(),
              "h.conf:10: vrrp_instance VI_1 virtual_ipaddress: interface eth8 does not exist on this host");

    Diagnostics err;
    check_host(cfg, err, /*as_errors=*/true, only_eth0);
    EXPECT_EQ(err.errors().size(), 3u);

    Diagnostics all_there;
    check_host(cfg, all_there, true, [](const std::string&) { return true; });
    EXPECT_TRUE(all_there.ok());
    EXPECT_TRUE(all_there.warnings().empty());
}
