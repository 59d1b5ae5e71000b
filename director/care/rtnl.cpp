#include "director/care/rtnl.hpp"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include <stdexcept>

#include "director/care/endpoint.hpp"
#include "host/rtnl_reply.hpp"

namespace director::care {

namespace {

template <typename T, void (*Free)(T*)>
struct Owned {
    T* p;
    explicit Owned(T* ptr) : p(ptr) {
        if (!p) throw std::runtime_error("libnl: out of memory");
    }
    ~Owned() { Free(p); }
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    operator T*() const { return p; }
};

void free_route(rtnl_route* r) { rtnl_route_put(r); }
void free_link(rtnl_link* l) { rtnl_link_put(l); }
void free_nladdr(nl_addr* a) { nl_addr_put(a); }
using Route = Owned<rtnl_route, free_route>;
using Link = Owned<rtnl_link, free_link>;
using NlAddr = Owned<nl_addr, free_nladdr>;

nl_addr* v4(uint32_t host_order, int prefix) {
    uint32_t be = htonl(host_order);
    nl_addr* a = nl_addr_build(AF_INET, &be, 4);
    if (a) nl_addr_set_prefixlen(a, prefix);
    return a;
}

[[noreturn]] void fail(const std::string& what, int err) {
    throw std::runtime_error(what + ": " + nl_geterror(err));
}

rtnl_route* host_route(uint32_t dst, uint32_t gateway, uint32_t metric) {
    rtnl_route* r = rtnl_route_alloc();
    if (!r) return nullptr;
    NlAddr d(v4(dst, 32));
    rtnl_route_set_family(r, AF_INET);
    rtnl_route_set_dst(r, d);
    rtnl_route_set_table(r, RT_TABLE_MAIN);
    rtnl_route_set_priority(r, metric);
    rtnl_route_set_type(r, RTN_UNICAST);
    rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
    rtnl_route_set_protocol(r, RTPROT_BOOT);
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    NlAddr gw(v4(gateway, 32));
    rtnl_route_nh_set_gateway(nh, gw);
    rtnl_route_add_nexthop(r, nh);  // the route owns nh from here
    return r;
}

}  // namespace

void Rtnl::replace_host_route(uint32_t dst, uint32_t gateway, uint32_t metric) {
    Route r(host_route(dst, gateway, metric));
    if (int err = rtnl_route_add(socket(), r, NLM_F_CREATE | NLM_F_REPLACE); err < 0)
        fail("route " + format_ipv4(dst) + "/32 via " + format_ipv4(gateway) + " metric " + std::to_string(metric), err);
}

bool Rtnl::delete_host_route(uint32_t dst, uint32_t gateway, uint32_t metric) {
    Route r(host_route(dst, gateway, metric));
    int err = rtnl_route_delete(socket(), r, 0);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NOADDR) return false;
    if (err < 0) fail("delete route " + format_ipv4(dst) + "/32 via " + format_ipv4(gateway), err);
    return true;
}

int Rtnl::dummy_ifindex(const std::string& name) {
    rtnl_link* found = nullptr;
    int err = rtnl_link_get_kernel(socket(), 0, name.c_str(), &found);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return 0;
    if (err < 0) fail("look up interface " + name, err);
    Link l(found);
    auto facts = host::rtnl::link_facts(l);
    if (facts.kind != "dummy")
        throw std::runtime_error("interface " + name + " exists and is not a dummy interface; choose another --iface");
    return facts.ifindex;
}

int Rtnl::ensure_dummy(const std::string& name) {
    if (int idx = dummy_ifindex(name)) return idx;
    Link l(rtnl_link_alloc());
    rtnl_link_set_name(l, name.c_str());
    if (int err = rtnl_link_set_type(l, "dummy"); err < 0) fail("dummy link type", err);
    if (int err = rtnl_link_add(socket(), l, NLM_F_CREATE); err < 0 && err != -NLE_EXIST)
        fail("create dummy interface " + name, err);
    int idx = dummy_ifindex(name);
    if (!idx) throw std::runtime_error("dummy interface " + name + " vanished right after creation");
    return idx;
}

bool Rtnl::delete_dummy(const std::string& name) {
    int idx = dummy_ifindex(name);
    if (!idx) return false;
    Link l(rtnl_link_alloc());
    rtnl_link_set_ifindex(l, idx);
    if (int err = rtnl_link_delete(socket(), l); err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
        fail("delete interface " + name, err);
    return true;
}

void Rtnl::ensure_address(int ifindex, uint32_t address) { nl_.add_address({ifindex, address, 32, ""}); }

}  // namespace director::care
