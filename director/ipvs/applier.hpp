#pragma once
// The one way ops reach the kernel, for every writer of the IPVS table (the reconciler, care mode): the
// same rule for what counts as done and the same words for what failed.
#include <string>
#include <vector>

#include "director/ipvs/kernel.hpp"
#include "director/ipvs/ops.hpp"

namespace director::ipvs {

// Whether `op` failing with `err` still left the table as the op wanted: an add of something present
// (EEXIST), a delete of something gone (ESRCH: no such service, ENOENT: no such destination). Another
// writer got there first; that is not a failure.
bool already_so(const Op& op, int err);

// Applies `ops` in order through Kernel::apply and returns one result per op: 0 when done (already_so
// included), otherwise the positive errno. A failed op does not stop the later ones. Throws KernelError
// only when the kernel could not be talked to at all (the outcome of the ops is then unknown).
std::vector<int> apply_ops(Kernel& kernel, const std::vector<Op>& ops);

// "add-dest TCP 10.0.0.1:80 -> ...: No such file or directory", the text a failed op is logged with.
std::string failure_text(const Op& op, int err);

}  // namespace director::ipvs
