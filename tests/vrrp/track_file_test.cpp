// track_file: the value rules (keepalived's), and a real file watched with inotify in a temporary directory.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "../director/temp_dir.hpp"
#include "vrrp/track_file.hpp"

using namespace vrrp;
using director::testing::TempDir;

TEST(TrackFileValue, EmptyIsZeroAndGarbageIsRejected) {
    EXPECT_EQ(parse_track_file_value(""), 0);
    EXPECT_EQ(parse_track_file_value("  \n"), 0);
    EXPECT_EQ(parse_track_file_value("-100\n"), -100);
    EXPECT_EQ(parse_track_file_value("+7"), 7);
    EXPECT_EQ(parse_track_file_value("12abc"), std::nullopt);
    EXPECT_EQ(parse_track_file_value("1 2"), std::nullopt);
    EXPECT_EQ(parse_track_file_value("99999999999"), std::nullopt);
}

TEST(TrackFileValue, WeightZeroMeansFaultOnNonZero) {
    auto ok = track_file_item("drain", 0, 0, false);
    EXPECT_TRUE(ok.up);
    auto down = track_file_item("drain", 1, 0, false);
    EXPECT_FALSE(down.up);
    EXPECT_EQ(compute_priority(100, {down}).fault_reason, "track_file drain holds 1");
    EXPECT_FALSE(track_file_item("drain", 0, 0, true).up) << "reverse: zero is the failure";
}

TEST(TrackFileValue, ProductIsAddedAndAtOrBelowMinus254IsFault) {
    EXPECT_EQ(compute_priority(100, {track_file_item("f", -3, 10, false)}).effective_priority, 70);
    EXPECT_EQ(compute_priority(100, {track_file_item("f", 3, 10, false)}).effective_priority, 130);
    EXPECT_EQ(compute_priority(100, {track_file_item("f", 3, 10, true)}).effective_priority, 70);
    EXPECT_EQ(compute_priority(100, {track_file_item("f", 1000, 100, false)}).effective_priority, 254);
    EXPECT_FALSE(compute_priority(100, {track_file_item("f", -253, 1, false)}).fault);
    auto r = compute_priority(100, {track_file_item("f", -127, 2, false)});
    EXPECT_TRUE(r.fault);
    EXPECT_EQ(r.fault_reason, "track_file f holds -127 (x weight 2 is at or below -254)");
}

namespace {
// Runs the loop until `done` or 5 s pass: inotify delivers within milliseconds.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.run_for(std::chrono::milliseconds(20));
        io.restart();
    }
    return done();
}
void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::trunc) << text;
}
}  // namespace

TEST(TrackFileWatch, WritesRenamesAndDeletionsAreSeenAtOnce) {
    TempDir dir;
    auto path = dir.path() / "drain";
    write(path, "5\n");
    boost::asio::io_context io;
    TrackFile f(io, {"drain", path.string(), 1, false, std::nullopt, false});
    int changes = 0;
    f.subscribe([&] { ++changes; });
    ASSERT_EQ(f.start(), "");
    EXPECT_EQ(f.value(), 5);

    write(path, "-100\n");
    EXPECT_TRUE(run_until(io, [&] { return f.value() == -100; })) << f.value();

    // An editor's way: write elsewhere, rename into place.
    write(dir.path() / "drain.tmp", "42");
    std::filesystem::rename(dir.path() / "drain.tmp", path);
    EXPECT_TRUE(run_until(io, [&] { return f.value() == 42; })) << f.value();

    std::filesystem::remove(path);
    EXPECT_TRUE(run_until(io, [&] { return f.value() == 0; })) << "a deleted file reads 0";

    // Garbage keeps the last value and is counted.
    write(path, "7");
    ASSERT_TRUE(run_until(io, [&] { return f.value() == 7; }));
    write(path, "seven");
    EXPECT_TRUE(run_until(io, [&] { return f.invalid() == 1; }));
    EXPECT_EQ(f.value(), 7);
    EXPECT_GE(changes, 4);

    // Other files in the directory do not count as reads.
    auto reads = f.reads();
    write(dir.path() / "unrelated", "1");
    io.run_for(std::chrono::milliseconds(100));
    EXPECT_EQ(f.reads(), reads);
}

TEST(TrackFileWatch, InitFileWritesOnlyWhenMissingUnlessOverwrite) {
    TempDir dir;
    boost::asio::io_context io;
    auto path = dir.path() / "w";
    TrackFile created(io, {"w", path.string(), 1, false, 3, false});
    ASSERT_EQ(created.start(), "");
    EXPECT_EQ(created.value(), 3);
    write(path, "9");
    TrackFile kept(io, {"w", path.string(), 1, false, 3, false});
    kept.start();
    EXPECT_EQ(kept.value(), 9) << "an existing file is left alone";
    TrackFile overwritten(io, {"w", path.string(), 1, false, 0, true});
    overwritten.start();
    EXPECT_EQ(overwritten.value(), 0);
}
