#pragma once
// An in-memory IPVS table with the kernel's error behaviour (EEXIST, ESRCH, ENOENT), for care-mode unit
// tests. Every call is recorded so tests can assert what care did and did not touch.
#include <cerrno>
#include <string>
#include <vector>

#include "director/ipvs/kernel.hpp"

namespace director::care::testing {

class FakeKernel : public ipvs::Kernel {
public:
    std::vector<ipvs::ServiceState> table;
    std::vector<std::string> calls;

    std::vector<ipvs::ServiceState> list() override {
        calls.push_back("list");
        return table;
    }
    void add_service(const ipvs::Service& s) override {
        calls.push_back("add_service");
        if (find(s.key)) throw ipvs::KernelError(EEXIST, "File exists");
        table.push_back({s, {}, {}});
    }
    void edit_service(const ipvs::Service& s) override {
        calls.push_back("edit_service");
        auto* svc = need(s.key);
        svc->service = s;
    }
    void del_service(const ipvs::ServiceKey& k) override {
        calls.push_back("del_service");
        need(k);
        std::erase_if(table, [&](auto& s) { return s.service.key == k; });
    }
    void add_dest(const ipvs::ServiceKey& k, const ipvs::Destination& d) override {
        calls.push_back("add_dest");
        auto* svc = need(k);
        if (dest(*svc, d)) throw ipvs::KernelError(EEXIST, "File exists");
        svc->destinations.push_back({d, 0, 0, {}});
    }
    void edit_dest(const ipvs::ServiceKey& k, const ipvs::Destination& d) override {
        calls.push_back("edit_dest");
        auto* cur = dest(*need(k), d);
        if (!cur) throw ipvs::KernelError(ENOENT, "No such file or directory");
        cur->dest = d;
    }
    void del_dest(const ipvs::ServiceKey& k, const ipvs::Destination& d) override {
        calls.push_back("del_dest");
        auto* svc = need(k);
        if (!dest(*svc, d)) throw ipvs::KernelError(ENOENT, "No such file or directory");
        std::erase_if(svc->destinations, [&](auto& x) { return x.dest.key() == d.key(); });
    }

    ipvs::ServiceState* find(const ipvs::ServiceKey& k) {
        for (auto& s : table)
            if (s.service.key == k) return &s;
        return nullptr;
    }
    const ipvs::DestinationState* find_dest(const ipvs::ServiceKey& k, uint32_t addr, uint16_t port) {
        auto* s = find(k);
        if (!s) return nullptr;
        for (auto& d : s->destinations)
            if (d.dest.address == addr && d.dest.port == port) return &d;
        return nullptr;
    }

private:
    ipvs::ServiceState* need(const ipvs::ServiceKey& k) {
        auto* s = find(k);
        if (!s) throw ipvs::KernelError(ESRCH, "No such process");
        return s;
    }
    static ipvs::DestinationState* dest(ipvs::ServiceState& s, const ipvs::Destination& d) {
        for (auto& x : s.destinations)
            if (x.dest.key() == d.key()) return &x;
        return nullptr;
    }
};

}  // namespace director::care::testing
