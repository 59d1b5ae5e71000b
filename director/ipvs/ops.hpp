#pragma once
// One change to the IPVS table. The reconciler produces lists of these; the netlink client sends a list
// pipelined (many requests in flight, each ack matched to its request by sequence number).
#include <string>

#include "director/ipvs/types.hpp"

namespace director::ipvs {

struct Op {
    enum class Kind { AddService, EditService, DelService, AddDest, EditDest, DelDest };
    Kind kind = Kind::AddService;
    Service service;   // for the *Dest kinds only service.key is used
    Destination dest;  // unused for the *Service kinds

    static Op add_service(const Service& s) { return {Kind::AddService, s, {}}; }
    static Op edit_service(const Service& s) { return {Kind::EditService, s, {}}; }
    static Op del_service(const ServiceKey& k) { return {Kind::DelService, Service{k}, {}}; }
    static Op add_dest(const ServiceKey& k, const Destination& d) { return {Kind::AddDest, Service{k}, d}; }
    static Op edit_dest(const ServiceKey& k, const Destination& d) { return {Kind::EditDest, Service{k}, d}; }
    static Op del_dest(const ServiceKey& k, const Destination& d) { return {Kind::DelDest, Service{k}, d}; }
};

const char* kind_name(Op::Kind k);  // "add-service", ...
std::string describe(const Op& op); // "add-dest TCP 10.0.0.1:80 -> 10.0.0.2:80"

}  // namespace director::ipvs
