#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "director/config/model.hpp"
#include "director/config/tree.hpp"

using namespace director::config;

TEST(ConfigTree, BlocksArgumentsCommentsAndQuotesAreRead) {
    Diagnostics d;
    auto nodes = parse_text("# comment\nglobal_defs {\n  router_id \"lvs one\" ! trailing\n}\nfoo a b\n", "t.conf", d);
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0].keyword, "global_defs");
    EXPECT_TRUE(nodes[0].has_block);
    ASSERT_EQ(nodes[0].children.size(), 1u);
    EXPECT_EQ(nodes[0].children[0].args, std::vector<std::string>{"lvs one"});
    EXPECT_EQ(nodes[0].children[0].where.line, 3);
    EXPECT_EQ(nodes[1].args, (std::vector<std::string>{"a", "b"}));
}

TEST(ConfigTree, StatementsEndAtNewline) {
    Diagnostics d;
    auto nodes = parse_text("a {\n x 1\n y 2\n}\n", "t", d);
    ASSERT_EQ(nodes[0].children.size(), 2u);
    EXPECT_EQ(nodes[0].children[1].keyword, "y");
}

TEST(ConfigTree, UnbalancedBracesNameTheLine) {
    Diagnostics d;
    parse_text("a {\n b 1\n", "x.conf", d);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.errors()[0].str(), "x.conf:3: missing '}' at end of file");
    Diagnostics d2;
    parse_text("a 1\n}\n", "y.conf", d2);
    ASSERT_FALSE(d2.ok());
    EXPECT_EQ(d2.errors()[0].where.line, 2);
}

TEST(ConfigTree, IncludeGlobsAreExpandedRelativeToTheIncludingFile) {
    auto dir = std::filesystem::temp_directory_path() / ("cfgtree-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "conf.d");
    std::ofstream(dir / "main.conf") << "include conf.d/*.conf\nlast 1\n";
    std::ofstream(dir / "conf.d/a.conf") << "from_a 1\n";
    std::ofstream(dir / "conf.d/b.conf") << "from_b {\n}\n";
    Diagnostics d;
    auto nodes = parse_file((dir / "main.conf").string(), d);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(nodes.size(), 3u);
    EXPECT_EQ(nodes[0].keyword, "from_a");
    EXPECT_EQ(nodes[1].keyword, "from_b");
    EXPECT_EQ(nodes[1].where.file.str(), (dir / "conf.d/b.conf").string());
    EXPECT_EQ(nodes[2].keyword, "last");
}

TEST(ConfigTree, MissingIncludedFileIsAnError) {
    Diagnostics d;
    parse_text("include /nonexistent/director.conf\n", "m.conf", d);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.errors()[0].message.find("no such file"), std::string::npos);
}

TEST(ConfigLoad, UnknownKeywordIsAnErrorAndKnownKeepalivedOnesWarn) {
    Diagnostics d;
    load_text("global_defs {\n router_id a\n enable_snmp_vrrp\n bogus 1\n}\n", "g.conf", d);
    ASSERT_EQ(d.errors().size(), 1u);
    EXPECT_EQ(d.errors()[0].str(), "g.conf:4: unknown keyword 'bogus' in global_defs");
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_EQ(d.warnings()[0].where.line, 3);
}
