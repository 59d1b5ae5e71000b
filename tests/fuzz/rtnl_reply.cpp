// The rtnetlink replies care mode and the VIP code read (link lookups, address dumps, acks), decoded by
// host::rtnl::decode_reply with libnl's own parsers, on any datagram.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "host/rtnl_reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto reply = host::rtnl::decode_reply(std::span<const uint8_t>(data, size));
    // An error ends the walk, as it ends libnl's: nothing can follow a non-zero ack.
    for (size_t i = 0; i + 1 < reply.acks.size(); ++i)
        if (reply.acks[i] != 0) std::abort();
    return 0;
}
