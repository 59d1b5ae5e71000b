#include "director/care/plan.hpp"

#include <spdlog/spdlog.h>

#include "director/ipvs/applier.hpp"

namespace director::care {

namespace {

const ipvs::DestinationState* find_dest(const std::optional<ipvs::ServiceState>& have, const Endpoint& rs) {
    if (!have) return nullptr;
    for (const auto& d : have->destinations)
        if (d.dest.address == rs.address && d.dest.port == rs.port) return &d;
    return nullptr;
}

bool wanted(const std::vector<Endpoint>& rs, const ipvs::Destination& d) {
    for (const auto& e : rs)
        if (e.address == d.address && e.port == d.port) return true;
    return false;
}

std::string name(const ipvs::Destination& d) { return format_endpoint({d.address, d.port}); }

// Shared by setup and rounds: the service itself, then real servers nobody asked for.
void plan_service_and_strays(std::vector<Step>& steps, const ipvs::Service& want,
                             const std::optional<ipvs::ServiceState>& have, const std::vector<Endpoint>& rs) {
    std::string vs = format_endpoint({want.key.address, want.key.port});
    if (!have) {
        steps.push_back({ipvs::Op::add_service(want), "Creating virtual server " + vs});
        return;
    }
    if (have->service.scheduler != want.scheduler) {
        auto edited = have->service;
        edited.scheduler = want.scheduler;
        steps.push_back({ipvs::Op::edit_service(edited),
                         "Setting scheduler of virtual server " + vs + " to " + want.scheduler});
    }
    for (const auto& d : have->destinations)
        if (!wanted(rs, d.dest))
            steps.push_back(
                {ipvs::Op::del_dest(want.key, d.dest), "Removing real server " + name(d.dest) + " not in --rs"});
}

}  // namespace

ipvs::Service desired_service(const Endpoint& vs, const std::string& scheduler) {
    ipvs::Service s;
    s.key.protocol = ipvs::Protocol::TCP;
    s.key.address = vs.address;
    s.key.port = vs.port;
    s.scheduler = scheduler;
    return s;
}

ipvs::Destination desired_dest(const Endpoint& rs, int32_t weight) {
    ipvs::Destination d;
    d.address = rs.address;
    d.port = rs.port;
    d.forward = ipvs::Forward::Masq;
    d.weight = weight;
    return d;
}

std::optional<ipvs::ServiceState> find_service(const std::vector<ipvs::ServiceState>& table,
                                               const ipvs::ServiceKey& key) {
    for (const auto& s : table)
        if (s.service.key == key) return s;
    return std::nullopt;
}

std::vector<Step> plan_setup(const ipvs::Service& want, const std::optional<ipvs::ServiceState>& have,
                             const std::vector<Endpoint>& rs) {
    std::vector<Step> steps;
    plan_service_and_strays(steps, want, have, rs);
    for (const auto& e : rs)
        if (!find_dest(have, e))
            steps.push_back(
                {ipvs::Op::add_dest(want.key, desired_dest(e, 1)), "Adding real server " + format_endpoint(e)});
    return steps;
}

std::vector<Step> plan_round(const ipvs::Service& want, const std::optional<ipvs::ServiceState>& have,
                             const std::vector<Endpoint>& rs, const std::map<Endpoint, ProbeResult>& probes) {
    std::vector<Step> steps;
    plan_service_and_strays(steps, want, have, rs);
    for (const auto& e : rs) {
        auto it = probes.find(e);
        bool healthy = it != probes.end() && it->second.healthy;
        const auto* cur = find_dest(have, e);
        std::string rs_name = " " + format_endpoint(e);
        if (!healthy) {
            if (!cur) continue;
            if (cur->dest.weight != 0) {
                auto d = cur->dest;
                d.weight = 0;
                steps.push_back({ipvs::Op::edit_dest(want.key, d),
                                 "Trying to update wight to 0 for graceful termination" + rs_name});
            } else {
                steps.push_back({ipvs::Op::del_dest(want.key, cur->dest), "Trying to delete real server" + rs_name});
            }
        } else if (!cur) {
            steps.push_back({ipvs::Op::add_dest(want.key, desired_dest(e, 1)),
                             (have ? "Trying to add real server back" : "Adding real server") + rs_name});
        } else if (cur->dest.weight == 0) {
            auto d = cur->dest;
            d.weight = 1;
            steps.push_back({ipvs::Op::edit_dest(want.key, d),
                             "Trying to update wight to 1, real server is back" + rs_name});
        }
    }
    return steps;
}

int apply_steps(ipvs::Kernel& kernel, const std::vector<Step>& steps) {
    int failed = 0;
    for (const auto& step : steps) {
        spdlog::info("{}", step.why);
        try {
            int err = ipvs::apply_ops(kernel, {step.op}).front();
            if (!err) continue;
            ++failed;
            spdlog::error("{} failed: {}", step.why, ipvs::failure_text(step.op, err));
        } catch (const ipvs::KernelError& e) {
            ++failed;
            spdlog::error("{} failed: {}", step.why, e.what());
        }
    }
    return failed;
}

}  // namespace director::care
