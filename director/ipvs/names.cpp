// Names shared by the formatter, the config reader and the logs.
#include <array>
#include <cerrno>

#include "director/ipvs/kernel.hpp"

namespace director::ipvs {

bool is_known_scheduler(const std::string& name) {
    static constexpr std::array kSchedulers{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh",
                                            "sed", "nq", "fo", "ovf", "mh", "twos"};
    for (const char* s : kSchedulers)
        if (name == s) return true;
    return false;
}

const char* protocol_name(Protocol p) {
    switch (p) {
        case Protocol::TCP: return "TCP";
        case Protocol::UDP: return "UDP";
        case Protocol::SCTP: return "SCTP";
    }
    return "?";
}

const char* forward_name(Forward f) {
    switch (f) {
        case Forward::Masq: return "Masq";
        case Forward::Local: return "Local";
        case Forward::Tunnel: return "Tunnel";
        case Forward::Route: return "Route";
        case Forward::Bypass: return "Bypass";
    }
    return "?";
}

std::string describe(const ServiceKey& k) {
    if (k.fwmark) return "FWM " + std::to_string(k.fwmark);
    return std::string(protocol_name(k.protocol)) + " " + format_addr_port(k.address, k.port);
}

const char* kind_name(Op::Kind k) {
    switch (k) {
        case Op::Kind::AddService: return "add-service";
        case Op::Kind::EditService: return "edit-service";
        case Op::Kind::DelService: return "del-service";
        case Op::Kind::AddDest: return "add-dest";
        case Op::Kind::EditDest: return "edit-dest";
        case Op::Kind::DelDest: return "del-dest";
    }
    return "?";
}

std::string describe(const Op& op) {
    std::string s = std::string(kind_name(op.kind)) + " " + describe(op.service.key);
    switch (op.kind) {
        case Op::Kind::AddService:
        case Op::Kind::EditService: return s + " " + op.service.scheduler;
        case Op::Kind::DelService: return s;
        default:
            return s + " -> " + format_addr_port(op.dest.address, op.dest.port) + " " + forward_name(op.dest.forward) +
                   " weight " + std::to_string(op.dest.weight);
    }
}

std::optional<ServiceState> Kernel::lookup(const ServiceKey& k) {
    for (auto& s : list())
        if (s.service.key == k) return std::move(s);
    return std::nullopt;
}

std::vector<int> Kernel::apply(const std::vector<Op>& ops) {
    std::vector<int> out(ops.size(), 0);
    for (size_t i = 0; i < ops.size(); ++i) {
        const Op& op = ops[i];
        try {
            switch (op.kind) {
                case Op::Kind::AddService: add_service(op.service); break;
                case Op::Kind::EditService: edit_service(op.service); break;
                case Op::Kind::DelService: del_service(op.service.key); break;
                case Op::Kind::AddDest: add_dest(op.service.key, op.dest); break;
                case Op::Kind::EditDest: edit_dest(op.service.key, op.dest); break;
                case Op::Kind::DelDest: del_dest(op.service.key, op.dest); break;
            }
        } catch (const KernelError& e) {
            out[i] = e.err ? e.err : EIO;
        }
    }
    return out;
}

}  // namespace director::ipvs
