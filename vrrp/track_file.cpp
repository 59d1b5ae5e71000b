#include "vrrp/track_file.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

namespace vrrp {

namespace {
// keepalived bounds the value x weight product to this before deciding FAULT.
constexpr long long kFaultProduct = -254;
constexpr long long kMaxProduct = 253;
}  // namespace

std::optional<long long> parse_track_file_value(std::string_view text) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    if (text.empty()) return 0;
    if (text.front() == '+') text.remove_prefix(1);
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    if (v < -2147483648LL || v > 2147483647LL) return std::nullopt;
    return v;
}

TrackedItem track_file_item(const std::string& name, long long value, int weight, bool reverse) {
    TrackedItem item;
    item.name = "track_file " + name;
    if (weight == 0) {
        item.up = (value == 0) != reverse;
        item.down_reason = item.name + " holds " + std::to_string(value);
        return item;
    }
    long long product = value * weight * (reverse ? -1 : 1);
    if (product <= kFaultProduct) {
        item.up = false;
        item.down_reason = item.name + " holds " + std::to_string(value) + " (x weight " + std::to_string(weight) +
                           (reverse ? " reversed" : "") + " is at or below -254)";
        return item;
    }
    item.weight = static_cast<int>(std::min(product, kMaxProduct));
    item.additive = true;
    return item;
}

TrackFile::TrackFile(boost::asio::io_context& io, TrackFileConfig cfg) : io_(io), cfg_(std::move(cfg)), inotify_(io) {
    base_name_ = std::filesystem::path(cfg_.path).filename().string();
}

TrackFile::~TrackFile() { stop(); }

std::string TrackFile::start() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (cfg_.init_value && (cfg_.init_overwrite || !fs::exists(cfg_.path, ec))) {
        std::ofstream out(cfg_.path, std::ios::trunc);
        out << *cfg_.init_value << "\n";
        if (!out.flush()) spdlog::error("track_file {}: cannot write {} to {}", cfg_.name, *cfg_.init_value, cfg_.path);
    }
    read_value();
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return std::string("inotify_init1: ") + std::strerror(errno);
    // The directory, not the file: an editor or `mv` replaces the inode, and a deleted file must be seen too.
    auto dir = fs::path(cfg_.path).parent_path();
    if (dir.empty()) dir = ".";
    if (::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0) {
        std::string why = "cannot watch " + dir.string() + ": " + std::strerror(errno);
        ::close(fd);
        return why;
    }
    inotify_.assign(fd);
    wait_events();
    return "";
}

void TrackFile::stop() {
    boost::system::error_code ignored;
    if (inotify_.is_open()) inotify_.close(ignored);
}

void TrackFile::read_value() {
    ++reads_;
    std::optional<long long> v = 0;
    int fd = ::open(cfg_.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        char buf[128];
        ssize_t n = ::read(fd, buf, sizeof buf);
        ::close(fd);
        // Anything longer than a number is not one.
        v = n < 0 ? std::nullopt : n == sizeof buf ? std::nullopt : parse_track_file_value({buf, size_t(n)});
    }
    if (!v) {
        ++invalid_;
        spdlog::warn("track_file {}: {} does not hold one integer; keeping {}", cfg_.name, cfg_.path, value_);
        return;
    }
    if (*v == value_ && reads_ > 1) return;
    if (reads_ > 1 || *v != 0)
        spdlog::info("track_file {}: {} now holds {} (was {})", cfg_.name, cfg_.path, *v, value_);
    value_ = *v;
    for (auto& [id, f] : listeners_) f();
}

void TrackFile::wait_events() {
    inotify_.async_read_some(boost::asio::buffer(buffer_), [this](boost::system::error_code ec, size_t n) {
        if (ec) {
            if (ec != boost::asio::error::operation_aborted)
                spdlog::error("track_file {}: inotify: {}", cfg_.name, ec.message());
            return;
        }
        bool ours = false;
        for (size_t off = 0; off + sizeof(inotify_event) <= n;) {
            const auto* e = reinterpret_cast<const inotify_event*>(buffer_ + off);
            if (e->len > 0 && base_name_ == e->name) ours = true;
            off += sizeof(inotify_event) + e->len;
        }
        // Not IN_CREATE: a new file is empty until its writer closes it, and reading 0 in between would flap.
        if (ours) read_value();
        wait_events();
    });
}

}  // namespace vrrp
