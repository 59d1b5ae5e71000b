#pragma once
// One track_file: an integer in a file that operators write by hand (`echo -100 > /etc/director/drain`) to
// move an instance's priority. Watched with inotify on the file's directory, so a write, an atomic rename
// into place or a deletion is seen at once rather than at the next poll. A missing or empty file reads 0;
// text that is not a number keeps the last value (keepalived's rules).
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "vrrp/tracking.hpp"

namespace vrrp {

struct TrackFileConfig {
    std::string name;
    std::string path;
    int weight = 1;  // default for trackers that give none
    bool reverse = false;
    std::optional<long long> init_value;  // written at start when the file is missing (or always: overwrite)
    bool init_overwrite = false;
    bool operator==(const TrackFileConfig&) const = default;
};

// The file's text as a value: 0 for empty, nullopt for text that is not one integer in int32 range.
std::optional<long long> parse_track_file_value(std::string_view text);
// What a tracker with `weight` (and `reverse`) makes of `value`, keepalived's rules: weight 0 means FAULT
// while the value is not 0 (reverse: while it is 0); otherwise value x weight (negated by reverse) is added
// to the priority, and a product at or below -254 means FAULT.
TrackedItem track_file_item(const std::string& name, long long value, int weight, bool reverse);

class TrackFile {
public:
    TrackFile(boost::asio::io_context& io, TrackFileConfig cfg);
    ~TrackFile();
    TrackFile(const TrackFile&) = delete;
    TrackFile& operator=(const TrackFile&) = delete;
    // Writes init_file's value if asked, reads the file and starts watching. Returns "" or why watching
    // is impossible (the value is still read once).
    std::string start();
    void stop();
    uint64_t subscribe(std::function<void()> on_change) {
        listeners_.emplace(++last_listener_, std::move(on_change));
        return last_listener_;
    }
    void unsubscribe(uint64_t id) { listeners_.erase(id); }

    const TrackFileConfig& config() const { return cfg_; }
    long long value() const { return value_; }
    uint64_t reads() const { return reads_; }
    uint64_t invalid() const { return invalid_; }

private:
    void read_value();
    void wait_events();

    boost::asio::io_context& io_;
    TrackFileConfig cfg_;
    boost::asio::posix::stream_descriptor inotify_;
    std::string base_name_;
    long long value_ = 0;
    uint64_t reads_ = 0, invalid_ = 0;
    std::map<uint64_t, std::function<void()>> listeners_;
    uint64_t last_listener_ = 0;
    alignas(8) char buffer_[4096];
};

}  // namespace vrrp
