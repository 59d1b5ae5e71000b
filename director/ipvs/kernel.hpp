#pragma once
// The kernel's IPVS table behind a small interface (Katran's adapter idea): the reconciler and care mode
// are written against this, the generic-netlink client implements it.
#include <functional>
#include <stdexcept>
#include <vector>

#include "director/ipvs/ops.hpp"
#include "director/ipvs/types.hpp"

namespace director::ipvs {

struct KernelError : std::runtime_error {
    int err;  // positive errno
    KernelError(int e, const std::string& what) : std::runtime_error(what), err(e) {}
};

class Kernel {
public:
    virtual ~Kernel() = default;
    virtual std::vector<ServiceState> list() = 0;  // every service with its destinations
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
};

}  // namespace director::ipvs
