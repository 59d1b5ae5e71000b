#include "director/lvs/reconciler.hpp"

#include <map>

#include "director/ipvs/applier.hpp"

namespace director::lvs {

using ipvs::Op;

std::vector<DesiredService> desired_state(const config::Config& cfg, const HealthSource& health) {
    std::vector<DesiredService> out;
    out.reserve(cfg.virtual_servers.size());
    for (size_t v = 0; v < cfg.virtual_servers.size(); ++v) {
        const auto& vs = cfg.virtual_servers[v];
        // One health verdict per real server; every kernel service of the section (a group has many)
        // gets the same destinations.
        std::vector<ipvs::Destination> dests;
        for (size_t r = 0; r < vs.real_servers.size(); ++r) {
            const auto& rs = vs.real_servers[r];
            RealServerDecision dec = health.decide(v, r, rs.weight);
            if (!dec.present) continue;
            ipvs::Destination dst;
            dst.address = rs.address;
            dst.port = rs.port;
            dst.forward = rs.forward.value_or(vs.forward);
            dst.weight = dec.weight;
            dst.u_threshold = rs.u_threshold;
            dst.l_threshold = rs.l_threshold;
            dests.push_back(dst);
        }
        if (vs.sorry_server && health.use_sorry_server(v)) {
            bool listed = false;
            for (const auto& x : dests) listed |= x.address == vs.sorry_server->address && x.port == vs.sorry_server->port;
            if (!listed) {
                ipvs::Destination s;
                s.address = vs.sorry_server->address;
                s.port = vs.sorry_server->port;
                s.forward = vs.forward;
                s.weight = 1;
                dests.push_back(s);
            }
        }
        for (const auto& k : vs.service_keys()) {
            DesiredService d;
            d.service = vs.service(k);
            d.vs_index = v;
            d.dests = dests;
            out.push_back(std::move(d));
        }
    }
    return out;
}

bool service_differs(const ipvs::Service& want, const ipvs::Service& have) {
    if (want.scheduler != have.scheduler) return true;
    if ((want.flags & ~ipvs::kFlagHashed) != (have.flags & ~ipvs::kFlagHashed)) return true;
    if (want.flags & ipvs::kFlagPersistent)
        return want.timeout_s != have.timeout_s || want.netmask != have.netmask;
    return false;
}

bool dest_differs(const ipvs::Destination& want, const ipvs::Destination& have) {
    return want.forward != have.forward || want.weight != have.weight || want.u_threshold != have.u_threshold ||
           want.l_threshold != have.l_threshold;
}

bool DrainList::holds(const ipvs::ServiceKey& service, const ipvs::DestinationState& d, Clock::time_point now) const {
    auto it = entries_.find({service, d.dest.key()});
    return it != entries_.end() && d.active_conns > 0 && now < it->second;
}

void DrainList::prune(const std::vector<DesiredService>& desired, const std::vector<ipvs::ServiceState>& actual) {
    std::set<Key> keep;
    for (const auto& s : actual)
        for (const auto& d : s.destinations) keep.insert({s.service.key, d.dest.key()});
    for (const auto& s : desired)
        for (const auto& d : s.dests) keep.erase({s.service.key, d.key()});
    std::erase_if(entries_, [&](const auto& e) { return !keep.count(e.first); });
}

std::vector<Op> plan(const std::vector<DesiredService>& desired, const std::vector<ipvs::ServiceState>& actual,
                     const std::set<ipvs::ServiceKey>& owned, bool delete_foreign, const DrainList* drains,
                     std::chrono::steady_clock::time_point now) {
    std::map<ipvs::ServiceKey, const ipvs::ServiceState*> have;
    for (const auto& s : actual) have[s.service.key] = &s;
    std::set<ipvs::ServiceKey> want;
    for (const auto& d : desired) want.insert(d.service.key);

    std::vector<Op> ops;
    for (const auto& s : actual) {
        const auto& k = s.service.key;
        if (!want.count(k) && (owned.count(k) || delete_foreign)) ops.push_back(Op::del_service(k));
    }
    for (const auto& d : desired) {
        const auto& k = d.service.key;
        auto it = have.find(k);
        if (it == have.end()) {
            ops.push_back(Op::add_service(d.service));
            for (const auto& dst : d.dests) ops.push_back(Op::add_dest(k, dst));
            continue;
        }
        const ipvs::ServiceState& cur = *it->second;
        if (service_differs(d.service, cur.service)) ops.push_back(Op::edit_service(d.service));
        std::map<std::pair<uint32_t, uint16_t>, const ipvs::Destination*> cur_dests;
        for (const auto& ds : cur.destinations) cur_dests[ds.dest.key()] = &ds.dest;
        std::set<std::pair<uint32_t, uint16_t>> want_dests;
        for (const auto& dst : d.dests) want_dests.insert(dst.key());
        // Removals first: a weight budget or threshold never briefly covers a server that is leaving.
        for (const auto& ds : cur.destinations) {
            if (want_dests.count(ds.dest.key())) continue;
            if (drains && drains->holds(k, ds, now)) {
                if (ds.dest.weight != 0) {
                    ipvs::Destination zero = ds.dest;
                    zero.weight = 0;
                    ops.push_back(Op::edit_dest(k, zero));
                }
            } else {
                ops.push_back(Op::del_dest(k, ds.dest));
            }
        }
        for (const auto& dst : d.dests) {
            auto c = cur_dests.find(dst.key());
            if (c == cur_dests.end())
                ops.push_back(Op::add_dest(k, dst));
            else if (dest_differs(dst, *c->second))
                ops.push_back(Op::edit_dest(k, dst));
        }
    }
    return ops;
}

ReconcileResult Reconciler::run(const std::vector<Op>& ops) {
    ReconcileResult r;
    r.at = std::chrono::system_clock::now();
    if (ops.empty()) return r;
    auto results = ipvs::apply_ops(*kernel_, ops);
    for (size_t i = 0; i < ops.size(); ++i) {
        if (int e = results[i]) {
            ++r.failed;
            r.ok = false;
            if (r.errors.size() < 10) r.errors.push_back(ipvs::failure_text(ops[i], e));
            continue;
        }
        switch (ops[i].kind) {
            case Op::Kind::AddService:
            case Op::Kind::AddDest: ++r.added; break;
            case Op::Kind::EditService:
            case Op::Kind::EditDest: ++r.edited; break;
            case Op::Kind::DelService:
            case Op::Kind::DelDest: ++r.deleted; break;
        }
    }
    return r;
}

ReconcileResult Reconciler::reconcile(const std::vector<DesiredService>& desired, bool delete_foreign,
                                      DrainList::Clock::time_point now) {
    auto t0 = std::chrono::steady_clock::now();
    auto actual = kernel_->list();
    size_t adopted = 0;
    if (first_) {
        std::set<ipvs::ServiceKey> present;
        for (const auto& s : actual) present.insert(s.service.key);
        for (const auto& d : desired) adopted += present.count(d.service.key);
    }
    auto ops = plan(desired, actual, owned_, delete_foreign, &drains_, now);
    auto r = run(ops);
    for (size_t i = 0; i < ops.size(); ++i) {
        const Op& op = ops[i];
        if (op.kind != Op::Kind::DelDest || !drains_.listed(op.service.key, op.dest.key())) continue;
        ReconcileResult::DrainEnd end{op.service.key, op.dest.key(), 0};
        for (const auto& s : actual)
            if (s.service.key == op.service.key)
                for (const auto& d : s.destinations)
                    if (d.dest.key() == op.dest.key()) end.active_conns = d.active_conns;
        r.drained.push_back(end);
    }
    r.adopted = adopted;
    r.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    first_ = false;
    owned_.clear();
    for (const auto& d : desired) owned_.insert(d.service.key);
    // Keep the kernel's own counters for status(): patch the listing with what we just applied only when
    // nothing changed; otherwise list again so status shows the kernel's truth.
    if (r.changes() || r.failed) actual = kernel_->list();
    drains_.prune(desired, actual);
    r.draining = drains_.size();
    last_seen_.clear();
    for (auto& s : actual)
        if (owned_.count(s.service.key)) last_seen_.push_back(std::move(s));
    return r;
}

ReconcileResult Reconciler::remove_owned() {
    std::vector<Op> ops;
    for (const auto& k : owned_) ops.push_back(Op::del_service(k));
    auto r = run(ops);
    owned_.clear();
    last_seen_.clear();
    return r;
}

}  // namespace director::lvs
