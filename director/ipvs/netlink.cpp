#include "director/ipvs/netlink.hpp"

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <vector>

#include "director/ipvs/messages.hpp"
#include "host/run_command.hpp"

namespace director::ipvs {

namespace {

// The kernel's module loader (usually /sbin/modprobe), as the kernel itself would call it.
std::string modprobe_path() {
    std::ifstream f("/proc/sys/kernel/modprobe");
    std::string p;
    if (f && std::getline(f, p) && !p.empty() && p[0] == '/') return p;
    return "modprobe";
}

// Exit status as the message reports it: 127 when it could not be started, 128 when killed.
int run_modprobe(const std::string& module) {
    auto r = host::run_command({modprobe_path(), "-q", module});
    if (!r.started) return 127;
    return r.status < 0 ? 128 : r.status;
}

std::string errno_text(int e) { return std::strerror(e); }

// libnl reports the kernel's ENOBUFS (replies dropped because the receive buffer was full) as NLE_NOMEM.
// Which requests took effect is then unknown: the caller must read the table again, hence its own errno.
KernelError receive_failed(int nl_rc, const std::string& what) {
    if (nl_rc == -NLE_NOMEM)
        return KernelError(ENOBUFS, what + ": netlink receive buffer overflowed (ENOBUFS), replies were lost");
    return KernelError(EIO, what + ": netlink receive failed: " + nl_geterror(nl_rc));
}

}  // namespace

// State of the requests in flight, reached from libnl's callbacks.
struct Netlink::Exchange {
    // Single request mode.
    uint32_t seq = 0;
    bool done = false;
    int err = 0;
    const std::function<void(nlmsghdr*)>* each = nullptr;
    // Pipelined mode: requests base .. base+results.size()-1.
    uint32_t base = 0;
    std::vector<int>* results = nullptr;
    std::vector<char>* answered = nullptr;
    size_t acked = 0;

    void settle(uint32_t s, int e) {
        if (results) {
            uint32_t i = s - base;
            if (i < results->size() && !(*answered)[i]) {
                (*answered)[i] = 1;
                (*results)[i] = e;
                ++acked;
            }
        } else if (s == seq) {
            err = e;
            done = true;
        }
    }
};

namespace {

int on_valid(nl_msg* msg, void* arg) {
    auto* x = static_cast<Netlink::Exchange*>(arg);
    nlmsghdr* h = nlmsg_hdr(msg);
    if (!x->results && h->nlmsg_seq == x->seq && x->each) (*x->each)(h);
    return NL_OK;
}

int on_ack(nl_msg* msg, void* arg) {
    static_cast<Netlink::Exchange*>(arg)->settle(nlmsg_hdr(msg)->nlmsg_seq, 0);
    return NL_OK;
}

int on_finish(nl_msg* msg, void* arg) {
    // NLMSG_DONE ends a dump.
    static_cast<Netlink::Exchange*>(arg)->settle(nlmsg_hdr(msg)->nlmsg_seq, 0);
    return NL_OK;
}

// Sequence numbers are matched to requests by settle(), not by libnl's one-request-at-a-time check.
int accept_any_seq(nl_msg*, void*) { return NL_OK; }

int on_error(sockaddr_nl*, nlmsgerr* e, void* arg) {
    static_cast<Netlink::Exchange*>(arg)->settle(e->msg.nlmsg_seq, -e->error);
    return NL_SKIP;  // keep reading: later acks of the same batch follow
}

}  // namespace

std::unique_ptr<Netlink> Netlink::open() {
    nl_sock* sock = nl_socket_alloc();
    if (!sock) throw KernelError(ENOMEM, "cannot allocate a netlink socket");
    int rc = genl_connect(sock);
    if (rc < 0) {
        nl_socket_free(sock);
        throw KernelError(EIO, std::string("cannot open a generic netlink socket: ") + nl_geterror(rc));
    }
    int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
    if (family < 0) {
        int mp = run_modprobe("ip_vs");
        family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
        if (family < 0) {
            nl_socket_free(sock);
            throw KernelError(ENOENT,
                              "this kernel has no IPVS: the generic netlink family \"IPVS\" does not exist and `" +
                                  modprobe_path() + " ip_vs` " +
                                  (mp == 0 ? std::string("did not provide it")
                                           : "failed (exit " + std::to_string(mp) + ")") +
                                  ". Load the ip_vs module (modprobe ip_vs; on a container host, on the host "
                                  "itself) or run a kernel built with CONFIG_IP_VS, then retry.");
        }
    }
    nl_socket_disable_seq_check(sock);
    std::unique_ptr<Netlink> nl(new Netlink(sock, family));
    nl->set_limits(ChannelLimits{});
    return nl;
}

void Netlink::set_limits(const ChannelLimits& l) {
    // By default room for a full window of acks plus dump replies, past rmem_max as root may.
    int size = l.rcvbuf ? static_cast<int>(std::min<unsigned>(l.rcvbuf, INT_MAX / 2)) : 4 << 20;
    bool force = l.rcvbuf ? l.rcvbuf_force : true;
    int fd = nl_socket_get_fd(sock_);
    if (!force || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);  // capped at rmem_max by the kernel
    limits_ = l;
    limits_.window = std::max<size_t>(1, l.window);
}

Netlink::Netlink(nl_sock* sock, int family) : sock_(sock), cb_(nl_cb_alloc(NL_CB_DEFAULT)), family_(family) {
    if (!cb_) throw KernelError(ENOMEM, "cannot allocate netlink callbacks");
    nl_cb_set(cb_, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, nullptr);
    seq_ = static_cast<uint32_t>(time(nullptr));
}

Netlink::~Netlink() {
    nl_cb_put(cb_);
    nl_socket_free(sock_);
}

void Netlink::exchange(nl_msg* msg, const std::function<void(nlmsghdr*)>& each, const std::string& what) {
    Exchange x;
    x.seq = seq_++;
    x.each = &each;
    nlmsghdr* h = nlmsg_hdr(msg);
    h->nlmsg_seq = x.seq;
    h->nlmsg_pid = nl_socket_get_local_port(sock_);
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nl_cb_set(cb_, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
    nl_cb_set(cb_, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &x);
    nl_cb_set(cb_, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &x);
    nl_cb_err(cb_, NL_CB_CUSTOM, on_error, &x);
    if (nl_sendto(sock_, h, h->nlmsg_len) < 0) throw KernelError(EIO, what + ": netlink send failed");
    while (!x.done) {
        int rc = nl_recvmsgs(sock_, cb_);
        if (rc < 0 && !x.done) throw receive_failed(rc, what);
    }
    if (x.err) throw KernelError(x.err, what + ": " + errno_text(x.err));
}

std::vector<int> Netlink::apply(const std::vector<Op>& ops) {
    std::vector<int> results(ops.size(), 0);
    std::vector<char> answered(ops.size(), 0);
    Exchange x;
    x.base = seq_;
    x.results = &results;
    x.answered = &answered;
    seq_ += static_cast<uint32_t>(ops.size()) + 1;
    nl_cb_set(cb_, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
    nl_cb_set(cb_, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &x);
    nl_cb_set(cb_, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &x);
    nl_cb_err(cb_, NL_CB_CUSTOM, on_error, &x);

    const uint32_t port = nl_socket_get_local_port(sock_);
    std::vector<char> buf;
    size_t next = 0;
    while (x.acked < ops.size()) {
        // Up to a window of requests are concatenated into one datagram, which the kernel processes in order,
        // queueing one ack (or error) per request.
        buf.clear();
        while (next < ops.size() && next - x.acked < limits_.window && buf.size() < 48 * 1024) {
            auto m = nlmsg::encode(family_, ops[next]);
            nlmsghdr* h = nlmsg_hdr(m.get());
            h->nlmsg_seq = x.base + static_cast<uint32_t>(next);
            h->nlmsg_pid = port;
            h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
            size_t off = buf.size();
            buf.resize(off + NLMSG_ALIGN(h->nlmsg_len), 0);
            std::memcpy(buf.data() + off, h, h->nlmsg_len);
            ++next;
        }
        if (!buf.empty() && nl_sendto(sock_, buf.data(), buf.size()) < 0)
            throw KernelError(EIO, "netlink send failed");
        // The kernel handled the whole datagram inside sendmsg(); its acks are queued now.
        while (x.acked < next) {
            int rc = nl_recvmsgs(sock_, cb_);
            if (rc < 0) throw receive_failed(rc, "applying " + std::to_string(ops.size()) + " operation(s)");
        }
    }
    return results;
}

void Netlink::one(const Op& op) {
    auto r = apply({op});
    if (r[0]) throw KernelError(r[0], describe(op) + ": " + errno_text(r[0]));
}

void Netlink::add_service(const Service& s) { one(Op::add_service(s)); }
void Netlink::edit_service(const Service& s) { one(Op::edit_service(s)); }
void Netlink::del_service(const ServiceKey& k) { one(Op::del_service(k)); }
void Netlink::add_dest(const ServiceKey& k, const Destination& d) { one(Op::add_dest(k, d)); }
void Netlink::edit_dest(const ServiceKey& k, const Destination& d) { one(Op::edit_dest(k, d)); }
void Netlink::del_dest(const ServiceKey& k, const Destination& d) { one(Op::del_dest(k, d)); }

std::vector<ServiceState> Netlink::list_services() {
    std::vector<ServiceState> out;
    std::function<void(nlmsghdr*)> each = [&](nlmsghdr* h) {
        ServiceState s;
        if (nlmsg::parse_service(h, s)) out.push_back(std::move(s));
    };
    auto m = nlmsg::get_services(family_);
    exchange(m.get(), each, "list services");
    return out;
}

std::vector<DestinationState> Netlink::list_dests(const ServiceKey& k) {
    std::vector<DestinationState> out;
    std::function<void(nlmsghdr*)> each = [&](nlmsghdr* h) {
        DestinationState d;
        if (nlmsg::parse_dest(h, d)) out.push_back(d);
    };
    auto m = nlmsg::get_dests(family_, k);
    exchange(m.get(), each, "list destinations of " + describe(k));
    return out;
}

std::vector<ServiceState> Netlink::list() {
    auto services = list_services();
    for (auto& s : services) {
        try {
            s.destinations = list_dests(s.service.key);
        } catch (const KernelError& e) {
            // Deleted between the two dumps by someone else: it simply has no destinations now.
            if (e.err != ESRCH && e.err != ENOENT) throw;
        }
    }
    return services;
}

std::optional<ServiceState> Netlink::lookup(const ServiceKey& k) {
    std::optional<ServiceState> out;
    std::function<void(nlmsghdr*)> each = [&](nlmsghdr* h) {
        ServiceState s;
        if (nlmsg::parse_service(h, s)) out = std::move(s);
    };
    auto m = nlmsg::get_service(family_, k);
    try {
        exchange(m.get(), each, "get service " + describe(k));
        if (out) out->destinations = list_dests(k);
    } catch (const KernelError& e) {
        // ESRCH: no such service (or, for the destinations, deleted in between by someone else).
        if (e.err != ESRCH && e.err != ENOENT) throw;
        return std::nullopt;
    }
    return out;
}

Info Netlink::info() {
    Info info;
    std::function<void(nlmsghdr*)> each = [&](nlmsghdr* h) { nlmsg::parse_info(h, info); };
    auto m = nlmsg::get_info(family_);
    exchange(m.get(), each, "get IPVS info");
    return info;
}

Timeouts Netlink::timeouts() {
    Timeouts t;
    std::function<void(nlmsghdr*)> each = [&](nlmsghdr* h) { nlmsg::parse_config(h, t); };
    auto m = nlmsg::get_config(family_);
    exchange(m.get(), each, "get timeouts");
    return t;
}

void Netlink::set_timeouts(const Timeouts& t) {
    std::function<void(nlmsghdr*)> none = [](nlmsghdr*) {};
    auto m = nlmsg::set_config(family_, t);
    exchange(m.get(), none, "set timeouts");
}

std::vector<SyncDaemon> Netlink::sync_daemons() {
    std::vector<SyncDaemon> out;
    std::function<void(nlmsghdr*)> each = [&](nlmsghdr* h) {
        SyncDaemon d;
        if (nlmsg::parse_daemon(h, d)) out.push_back(d);
    };
    auto m = nlmsg::get_daemon(family_);
    exchange(m.get(), each, "list sync daemons");
    return out;
}

void Netlink::start_sync_daemon(const SyncDaemon& d) {
    std::function<void(nlmsghdr*)> none = [](nlmsghdr*) {};
    auto m = nlmsg::new_daemon(family_, d);
    exchange(m.get(), none, "start sync daemon on " + d.mcast_ifn);
}

void Netlink::stop_sync_daemon(SyncState state) {
    std::function<void(nlmsghdr*)> none = [](nlmsghdr*) {};
    auto m = nlmsg::del_daemon(family_, state);
    exchange(m.get(), none, "stop sync daemon");
}

SysctlResult Netlink::ensure_sysctl(const std::string& name, const std::string& value) {
    return ipvs::ensure_sysctl(name, value);
}

bool Netlink::conntrack_loaded() { return ipvs::conntrack_loaded(); }

void Netlink::flush() {
    std::function<void(nlmsghdr*)> none = [](nlmsghdr*) {};
    auto m = nlmsg::flush(family_);
    exchange(m.get(), none, "flush");
}

void Netlink::zero() {
    std::function<void(nlmsghdr*)> none = [](nlmsghdr*) {};
    auto m = nlmsg::zero(family_);
    exchange(m.get(), none, "zero counters");
}

}  // namespace director::ipvs
