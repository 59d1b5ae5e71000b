#pragma once
// Owning pointers for the libnl-route-3 objects the rtnetlink code builds: each releases its object
// with libnl's own put/free, so an early return cannot leak one.
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <memory>

namespace host::nl {

struct Put {
    void operator()(nl_addr* p) const { nl_addr_put(p); }
    void operator()(rtnl_addr* p) const { rtnl_addr_put(p); }
    void operator()(rtnl_route* p) const { rtnl_route_put(p); }
    void operator()(rtnl_rule* p) const { rtnl_rule_put(p); }
    void operator()(nl_cache* p) const { nl_cache_free(p); }
};

template <class T>
using Ptr = std::unique_ptr<T, Put>;

}  // namespace host::nl
