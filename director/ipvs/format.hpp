#pragma once
// `ipvsadm -Ln` and its --stats / --rate / --thresholds variants, byte for byte, plus a JSON form.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "director/ipvs/types.hpp"

namespace director::ipvs {

enum class ListFormat { Plain, Stats, Rate, Thresholds, Persistent };

// Sorts services and destinations the way ipvsadm does (fwmark, protocol, address, port).
std::string format_ipvsadm(const Info& info, std::vector<ServiceState> services, ListFormat fmt);
std::string format_version(const Info& info);  // "IP Virtual Server version 1.2.1 (size=4096)"
std::string format_timeouts(const Timeouts& t);  // "Timeout (tcp tcpfin udp): 900 120 300"
std::string format_sync_daemons(const std::vector<SyncDaemon>& d);
// ipvsadm's scaled counter column: 9 wide, K/M/G/T suffixes beyond 100 million.
std::string format_largenum(uint64_t n);

nlohmann::json to_json(const Info& info, const std::vector<ServiceState>& services);
nlohmann::json to_json(const ServiceState& s);

}  // namespace director::ipvs
