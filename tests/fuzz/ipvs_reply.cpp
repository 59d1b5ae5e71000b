// The IPVS generic-netlink reply decoders on any datagram: walked message by message as libnl's receive
// loop walks it (nlmsg_ok/nlmsg_next over an aligned buffer), each message offered to every decoder,
// since a confused or hostile peer may answer one request with another command's reply.
#include <linux/netlink.h>
#include <netlink/msg.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "director/ipvs/messages.hpp"

namespace m = director::ipvs::nlmsg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Exactly `size` bytes on the heap, aligned as libnl's malloc'd receive buffer: ASan sees any read past it.
    std::unique_ptr<uint8_t[]> storage(new uint8_t[size]);
    uint8_t* buf = storage.get();
    if (size) std::memcpy(buf, data, size);
    int left = static_cast<int>(size);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
        director::ipvs::ServiceState s;
        director::ipvs::DestinationState d;
        director::ipvs::Info i;
        director::ipvs::Timeouts t;
        director::ipvs::SyncDaemon y;
        m::parse_service(h, s);
        m::parse_dest(h, d);
        m::parse_info(h, i);
        m::parse_config(h, t);
        m::parse_daemon(h, y);
    }
    return 0;
}
