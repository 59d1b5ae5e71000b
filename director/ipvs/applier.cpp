#include "director/ipvs/applier.hpp"

#include <cerrno>
#include <cstring>

namespace director::ipvs {

bool already_so(const Op& op, int err) {
    switch (op.kind) {
        case Op::Kind::AddService:
        case Op::Kind::AddDest: return err == EEXIST;
        case Op::Kind::DelService:
        case Op::Kind::DelDest: return err == ESRCH || err == ENOENT;
        case Op::Kind::EditService:
        case Op::Kind::EditDest: return false;
    }
    return false;
}

std::vector<int> apply_ops(Kernel& kernel, const std::vector<Op>& ops) {
    if (ops.empty()) return {};
    auto results = kernel.apply(ops);
    for (size_t i = 0; i < ops.size(); ++i)
        if (results[i] && already_so(ops[i], results[i])) results[i] = 0;
    return results;
}

std::string failure_text(const Op& op, int err) { return describe(op) + ": " + std::strerror(err); }

}  // namespace director::ipvs
