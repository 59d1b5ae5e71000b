#include "director/script_policy.hpp"

#include <unistd.h>

namespace director {

ScriptPolicy script_policy(const config::GlobalDefs& g, const std::string& user, const std::string& group) {
    ScriptPolicy p;
    p.secure = g.enable_script_security;
    if (::geteuid() != 0) return p;
    std::string u = user, gr = group;
    if (u.empty() && !g.script_user.empty()) {
        auto sp = g.script_user.find(' ');
        u = g.script_user.substr(0, sp);
        if (sp != std::string::npos) gr = g.script_user.substr(sp + 1);
    }
    if (!u.empty()) p.user = u;
    if (!gr.empty()) p.group = gr;
    return p;
}

host::ProcessSpec script_spec(const ScriptPolicy& policy, std::vector<std::string> argv,
                                     std::chrono::milliseconds timeout) {
    host::ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.timeout = timeout;
    spec.user = policy.user;
    spec.group = policy.group;
    spec.secure = policy.secure;
    return spec;
}

}  // namespace director
