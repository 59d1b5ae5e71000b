#pragma once
// The kernel's IPVS table over the generic-netlink family "IPVS" (libnl-genl-3). Changes are pipelined:
// a list of ops goes out in a few large sendmsg() calls with up to a window of requests unacknowledged, and
// each ack or error is matched to its request by sequence number.
#include <linux/netlink.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

#include <functional>
#include <memory>
#include <string>

#include "director/ipvs/kernel.hpp"

namespace director::ipvs {

class Netlink final : public Kernel {
public:
    // Connects and resolves the family. Without IPVS in the kernel it runs `modprobe ip_vs` once; if the
    // family is still missing it throws a KernelError whose message says so and what to do.
    static std::unique_ptr<Netlink> open();
    ~Netlink() override;

    std::vector<ServiceState> list() override;
    std::optional<ServiceState> lookup(const ServiceKey& k) override;
    void add_service(const Service& s) override;
    void edit_service(const Service& s) override;
    void del_service(const ServiceKey& k) override;
    void add_dest(const ServiceKey& k, const Destination& d) override;
    void edit_dest(const ServiceKey& k, const Destination& d) override;
    void del_dest(const ServiceKey& k, const Destination& d) override;
    std::vector<int> apply(const std::vector<Op>& ops) override;

    std::vector<ServiceState> list_services();  // without destinations
    std::vector<DestinationState> list_dests(const ServiceKey& k);
    Info info();
    Timeouts timeouts() override;
    void set_timeouts(const Timeouts& t) override;
    std::vector<SyncDaemon> sync_daemons() override;
    void start_sync_daemon(const SyncDaemon& d) override;
    void stop_sync_daemon(SyncState state) override;
    SysctlResult ensure_sysctl(const std::string& name, const std::string& value) override;  // under /proc/sys
    bool conntrack_loaded() override;
    void flush();  // every service, ours or not: only for lvs_flush and the CLI
    void zero();

    // Sets the receive buffer at once (SO_RCVBUFFORCE when forced, falling back to SO_RCVBUF without
    // CAP_NET_ADMIN) and the window for the next apply().
    void set_limits(const ChannelLimits& l) override;

    struct Exchange;  // requests in flight, as libnl's callbacks see them

private:
    Netlink(nl_sock* sock, int family);
    // Sends one request and reads until its ack (or, for dumps, NLMSG_DONE), feeding data replies to `each`.
    void exchange(nl_msg* msg, const std::function<void(nlmsghdr*)>& each, const std::string& what);
    void one(const Op& op);

    nl_sock* sock_;
    nl_cb* cb_;
    int family_;
    uint32_t seq_ = 1;
    ChannelLimits limits_;
};

}  // namespace director::ipvs
