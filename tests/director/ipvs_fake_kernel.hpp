#pragma once
// An in-memory IPVS kernel with the kernel's error behaviour (EEXIST, ESRCH, ENOENT), for the reconciler,
// care mode and LVS component tests: the table, the sync daemons, the timeouts and the sysctls IPVS
// forwarding needs. Every table call is recorded so tests can prove the minimal set of operations was
// sent, and what was never touched. Calls take `mutex`: the LVS component calls from its worker thread,
// and a test that touches the kernel meanwhile holds it too.
#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <string>

#include "director/ipvs/kernel.hpp"

namespace director::ipvs::testing {

class FakeKernel : public Kernel {
public:
    std::map<ServiceKey, ServiceState> table;
    std::vector<Op> log;  // every mutating call, in order
    size_t lists = 0;
    std::recursive_mutex mutex;
    // Non-zero: the next apply() carries out this many ops, then fails as a netlink socket whose replies
    // overflowed its buffer does (ENOBUFS: done, but unacknowledged); the rest are not sent.
    size_t lose_replies_after = 0;
    // Non-zero: the acks a socket's buffer holds. An apply() whose window is larger, with more ops than
    // fit, carries out its first window of ops and then fails with ENOBUFS, as the kernel does when it
    // drops acks a full socket has no room for.
    size_t socket_acks = 0;
    std::vector<size_t> windows;  // the window of every apply(), in order
    ChannelLimits limits;         // as set on this kernel itself (Borrowed keeps its own per socket)
    std::vector<SyncDaemon> daemons;                       // running sync daemons, one per role at most
    size_t daemon_starts = 0, daemon_stops = 0;             // calls, failed ones included
    Timeouts timeout_values{900, 120, 300};                 // the kernel's defaults
    std::map<std::string, std::string> sysctls;             // dotted name -> value; absent reads "0"
    bool conntrack = false;                                 // netfilter conntrack loaded
    std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex); }

    std::vector<ServiceState> list() override {
        auto held = lock();
        ++lists;
        std::vector<ServiceState> out;
        for (const auto& [k, s] : table) out.push_back(s);
        return out;
    }
    void add_service(const Service& s) override {
        auto held = lock();
        log.push_back(Op::add_service(s));
        if (table.count(s.key)) throw KernelError(EEXIST, "exists");
        ServiceState st;
        st.service = s;
        st.service.flags |= kFlagHashed;  // as the kernel reports it
        table[s.key] = st;
    }
    void edit_service(const Service& s) override {
        auto held = lock();
        log.push_back(Op::edit_service(s));
        auto it = table.find(s.key);
        if (it == table.end()) throw KernelError(ESRCH, "no service");
        it->second.service = s;
        it->second.service.flags |= kFlagHashed;
    }
    void del_service(const ServiceKey& k) override {
        auto held = lock();
        log.push_back(Op::del_service(k));
        if (!table.erase(k)) throw KernelError(ESRCH, "no service");
    }
    void add_dest(const ServiceKey& k, const Destination& d) override {
        auto held = lock();
        log.push_back(Op::add_dest(k, d));
        auto& s = svc(k);
        if (dest_in(s, d)) throw KernelError(EEXIST, "exists");
        s.destinations.push_back({d, 0, 0, 0, {}});
    }
    void edit_dest(const ServiceKey& k, const Destination& d) override {
        auto held = lock();
        log.push_back(Op::edit_dest(k, d));
        auto* x = dest_in(svc(k), d);
        if (!x) throw KernelError(ENOENT, "no dest");
        x->dest = d;
    }
    void del_dest(const ServiceKey& k, const Destination& d) override {
        auto held = lock();
        log.push_back(Op::del_dest(k, d));
        auto& s = svc(k);
        auto it = std::find_if(s.destinations.begin(), s.destinations.end(),
                               [&](const DestinationState& x) { return x.dest.key() == d.key(); });
        if (it == s.destinations.end()) throw KernelError(ENOENT, "no dest");
        s.destinations.erase(it);
    }

    void set_limits(const ChannelLimits& l) override { limits = l; }
    std::vector<int> apply(const std::vector<Op>& ops) override { return apply_windowed(ops, limits.window); }
    std::vector<int> apply_windowed(const std::vector<Op>& ops, size_t window) {
        auto held = lock();
        windows.push_back(window);
        if (socket_acks && window > socket_acks && ops.size() > socket_acks) {
            Kernel::apply(std::vector<Op>(ops.begin(), ops.begin() + static_cast<long>(std::min(window, ops.size()))));
            throw KernelError(ENOBUFS, "netlink receive buffer overflowed (ENOBUFS), replies were lost");
        }
        if (lose_replies_after == 0 || ops.size() <= lose_replies_after) return Kernel::apply(ops);
        Kernel::apply(std::vector<Op>(ops.begin(), ops.begin() + static_cast<long>(lose_replies_after)));
        lose_replies_after = 0;
        throw KernelError(ENOBUFS, "netlink receive buffer overflowed (ENOBUFS), replies were lost");
    }

    std::vector<SyncDaemon> sync_daemons() override {
        auto held = lock();
        return daemons;
    }
    void start_sync_daemon(const SyncDaemon& d) override {
        auto held = lock();
        ++daemon_starts;
        if (running(d.state)) throw KernelError(EEXIST, "start sync daemon on " + d.mcast_ifn + ": File exists");
        daemons.push_back(d);
    }
    void stop_sync_daemon(SyncState state) override {
        auto held = lock();
        ++daemon_stops;
        if (!running(state)) throw KernelError(ESRCH, "stop sync daemon: No such process");
        std::erase_if(daemons, [&](const SyncDaemon& d) { return d.state == state; });
    }
    bool running(SyncState state) {
        auto held = lock();
        return std::any_of(daemons.begin(), daemons.end(), [&](const SyncDaemon& d) { return d.state == state; });
    }
    Timeouts timeouts() override {
        auto held = lock();
        return timeout_values;
    }
    void set_timeouts(const Timeouts& t) override {
        auto held = lock();
        if (t.tcp) timeout_values.tcp = t.tcp;
        if (t.tcp_fin) timeout_values.tcp_fin = t.tcp_fin;
        if (t.udp) timeout_values.udp = t.udp;
    }
    SysctlResult ensure_sysctl(const std::string& name, const std::string& value) override {
        auto held = lock();
        auto& cur = sysctls.try_emplace(name, "0").first->second;
        SysctlResult r;
        r.old_value = cur;
        r.changed = cur != value;
        cur = value;
        return r;
    }
    bool conntrack_loaded() override {
        auto held = lock();
        return conntrack;
    }

    size_t count(Op::Kind kind) {
        auto held = lock();
        return static_cast<size_t>(std::count_if(log.begin(), log.end(), [&](const Op& o) { return o.kind == kind; }));
    }

    ServiceState* find(const ServiceKey& k) {
        auto held = lock();
        auto it = table.find(k);
        return it == table.end() ? nullptr : &it->second;
    }
    const DestinationState* find_dest(const ServiceKey& k, uint32_t address, uint16_t port) {
        auto held = lock();
        auto* s = find(k);
        if (!s) return nullptr;
        for (const auto& d : s->destinations)
            if (d.dest.address == address && d.dest.port == port) return &d;
        return nullptr;
    }

private:
    ServiceState& svc(const ServiceKey& k) {
        auto it = table.find(k);
        if (it == table.end()) throw KernelError(ESRCH, "no service");
        return it->second;
    }
    static DestinationState* dest_in(ServiceState& s, const Destination& d) {
        for (auto& x : s.destinations)
            if (x.dest.key() == d.key()) return &x;
        return nullptr;
    }
};

// A component owns its Kernel; this one hands every call to a FakeKernel the test keeps.
class Borrowed : public Kernel {
public:
    explicit Borrowed(FakeKernel& k) : k_(k) {}
    std::vector<ServiceState> list() override { return k_.list(); }
    void add_service(const Service& s) override { k_.add_service(s); }
    void edit_service(const Service& s) override { k_.edit_service(s); }
    void del_service(const ServiceKey& k) override { k_.del_service(k); }
    void add_dest(const ServiceKey& k, const Destination& d) override { k_.add_dest(k, d); }
    void edit_dest(const ServiceKey& k, const Destination& d) override { k_.edit_dest(k, d); }
    void del_dest(const ServiceKey& k, const Destination& d) override { k_.del_dest(k, d); }
    void set_limits(const ChannelLimits& l) override { limits_ = l; }
    std::vector<int> apply(const std::vector<Op>& ops) override { return k_.apply_windowed(ops, limits_.window); }
    std::vector<SyncDaemon> sync_daemons() override { return k_.sync_daemons(); }
    void start_sync_daemon(const SyncDaemon& d) override { k_.start_sync_daemon(d); }
    void stop_sync_daemon(SyncState state) override { k_.stop_sync_daemon(state); }
    Timeouts timeouts() override { return k_.timeouts(); }
    void set_timeouts(const Timeouts& t) override { k_.set_timeouts(t); }
    SysctlResult ensure_sysctl(const std::string& name, const std::string& value) override {
        return k_.ensure_sysctl(name, value);
    }
    bool conntrack_loaded() override { return k_.conntrack_loaded(); }

private:
    FakeKernel& k_;
    ChannelLimits limits_;
};

}  // namespace director::ipvs::testing
