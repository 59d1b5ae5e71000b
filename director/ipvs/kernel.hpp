#pragma once
// The kernel's IPVS table behind a small interface (Katran's adapter idea): the reconciler, care mode and
// the LVS component are written against this, the generic-netlink client implements it, and the unit
// tests drive all of them through one in-memory fake.
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

#include "director/ipvs/ops.hpp"
#include "director/ipvs/sysctl.hpp"
#include "director/ipvs/types.hpp"

namespace director::ipvs {

struct KernelError : std::runtime_error {
    int err;  // positive errno
    KernelError(int e, const std::string& what) : std::runtime_error(what), err(e) {}
};

// How a netlink client uses its socket. rcvbuf: the receive buffer in bytes (global_defs
// lvs_netlink_cmd_rcv_bufs; with rcvbuf_force past net.core.rmem_max), 0 for the client's own default.
// window: how many requests apply() may leave unacknowledged; their acks must fit in that buffer.
struct ChannelLimits {
    static constexpr size_t kDefaultWindow = 128;
    unsigned rcvbuf = 0;
    bool rcvbuf_force = false;
    size_t window = kDefaultWindow;
    bool operator==(const ChannelLimits&) const = default;
};

class Kernel {
public:
    virtual ~Kernel() = default;
    // Kernels reached without a socket have nothing to tune.
    virtual void set_limits(const ChannelLimits&) {}
    virtual std::vector<ServiceState> list() = 0;  // every service with its destinations
    // One service with its destinations, or nullopt when the kernel has no such service. For callers that
    // own one service on a node whose table may hold hundreds (kube-proxy's): the netlink client asks for
    // that service alone instead of dumping the table; this default filters list().
    virtual std::optional<ServiceState> lookup(const ServiceKey& k);
    virtual void add_service(const Service& s) = 0;
    virtual void edit_service(const Service& s) = 0;
    virtual void del_service(const ServiceKey& k) = 0;
    virtual void add_dest(const ServiceKey& k, const Destination& d) = 0;
    virtual void edit_dest(const ServiceKey& k, const Destination& d) = 0;
    virtual void del_dest(const ServiceKey& k, const Destination& d) = 0;

    // Applies `ops` in order and returns one result per op: 0, or the positive errno it failed with. A
    // failed op does not stop the later ones. The netlink client overrides this to pipeline the requests;
    // this default issues them one by one through the calls above.
    virtual std::vector<int> apply(const std::vector<Op>& ops);

    // Connection-sync daemons (ipvsadm --start-daemon/--stop-daemon). Starting a role already running is
    // EEXIST, stopping one that is not is ESRCH, as the kernel answers.
    virtual std::vector<SyncDaemon> sync_daemons() = 0;
    virtual void start_sync_daemon(const SyncDaemon& d) = 0;
    virtual void stop_sync_daemon(SyncState state) = 0;
    // Connection timeouts (ipvsadm --set; 0 keeps the kernel's value).
    virtual Timeouts timeouts() = 0;
    virtual void set_timeouts(const Timeouts& t) = 0;
    // The host switches IPVS forwarding depends on (ip_forward, net.ipv4.vs.conntrack): they belong to the
    // same kernel, so a test kernel answers them too instead of the test host's /proc.
    virtual SysctlResult ensure_sysctl(const std::string& name, const std::string& value) = 0;
    virtual bool conntrack_loaded() = 0;
};

}  // namespace director::ipvs
