// Scripts are checked where the config is checked: one that cannot run, or that enable_script_security
// would refuse, is a file:line error for `director check` and `director run`, whoever would run it
// (vrrp_script, notify*, MISC_CHECK, notify_up/down).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "director/config/host_check.hpp"
#include "director/config/model.hpp"
#include "tests/director/temp_dir.hpp"

using namespace director::config;
using director::testing::TempDir;

namespace {

std::string make_script(const TempDir& dir, const std::string& name, mode_t mode) {
    auto p = (dir.path() / name).string();
    std::ofstream(p) << "#!/bin/sh\nexit 0\n";
    ::chmod(p.c_str(), mode);
    return p;
}

std::vector<std::string> host_errors(const std::string& text) {
    Diagnostics d;
    auto cfg = load_text(text, "s.conf", d);
    EXPECT_TRUE(d.ok());
    check_host(cfg, d, /*as_errors=*/false, [](const std::string&) { return true; });
    std::vector<std::string> out;
    for (const auto& e : d.errors()) out.push_back(e.str());
    return out;
}

std::string lvs_with(const std::string& rs_body, const std::string& globals = "") {
    return "global_defs {\n" + globals + "}\nvirtual_server 198.18.0.100 6443 {\n protocol TCP\n"
           " real_server 198.18.0.1 6443 {\n" + rs_body + " }\n}\n";
}

}  // namespace

TEST(ScriptCheck, MissingTrackScriptIsAnErrorWithFileAndLine) {
    auto errs = host_errors("vrrp_script chk {\n script \"/nonexistent/check_apiserver.sh\"\n}\n"
                            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n track_script {\n  chk\n }\n"
                            " virtual_ipaddress {\n  198.18.0.100/24\n }\n}\n");
    ASSERT_EQ(errs.size(), 1u);
    EXPECT_EQ(errs[0], "s.conf:1: vrrp_script chk: /nonexistent/check_apiserver.sh does not exist");
}

TEST(ScriptCheck, NonExecutableNotifyScriptIsAnError) {
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);
    auto s = make_script(dir, "notify.sh", 0644);
    auto errs = host_errors("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n notify_master \"" + s +
                            " master\"\n"
                            " virtual_ipaddress {\n  198.18.0.100/24\n }\n}\n");
    ASSERT_EQ(errs.size(), 1u);
    EXPECT_EQ(errs[0], "s.conf:1: vrrp_instance VI_1 notify_master: " + s + " is not an executable file");
}

TEST(ScriptCheck, BareProgramNamesAreSearchedInPath) {
    EXPECT_TRUE(host_errors(lvs_with("  notify_up \"true up\"\n")).empty());
    auto errs = host_errors(lvs_with("  notify_up \"no-such-program-xyz up\"\n"));
    ASSERT_EQ(errs.size(), 1u);
    EXPECT_EQ(errs[0], "s.conf:5: notify_up: no-such-program-xyz does not exist in PATH");
}

TEST(ScriptCheck, ScriptsOthersCanModifyAreRefusedUnderScriptSecurityWhoeverRunsThem) {
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);
    auto open_script = make_script(dir, "open.sh", 0757);  // writable by every user
    const std::string secure = " enable_script_security\n";
    for (const std::string& rs : {"  notify_up " + open_script + "\n", "  notify_down " + open_script + "\n",
                                  "  MISC_CHECK {\n   misc_path " + open_script + "\n  }\n"}) {
        auto errs = host_errors(lvs_with(rs, secure));
        ASSERT_EQ(errs.size(), 1u) << rs;
        EXPECT_NE(errs[0].find(" refused by enable_script_security: " + open_script + " is writable by everyone"),
                  std::string::npos)
            << errs[0];
        EXPECT_EQ(errs[0].rfind("s.conf:", 0), 0u) << errs[0];
        // Without script security the same file is accepted, as keepalived does.
        EXPECT_TRUE(host_errors(lvs_with(rs)).empty()) << rs;
    }
}
