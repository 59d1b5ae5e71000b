// The config loader (tokenizer, tree, every section interpreter, validation) on a buffer. Includes
// resolve inside a private temp dir that holds a few files (one of them includes itself): inputs that
// could name a path outside it (any '/' together with "include") are rejected, so a run never reads
// the host's files. Every diagnostic must name a location.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "director/config/model.hpp"

namespace fs = std::filesystem;

namespace {

std::string sandbox;

void write(const std::string& name, const std::string& text) { std::ofstream(sandbox + "/" + name) << text; }

void remove_sandbox() {
    std::error_code ec;
    fs::remove_all(sandbox, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::string tmpl = (fs::temp_directory_path() / "director-fuzz-config-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    sandbox = tmpl;
    write("vrrp.conf", "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n"
                       "  virtual_ipaddress {\n    198.18.0.100/24\n  }\n}\n");
    write("self.conf", "include self.conf\n");
    write("a.conf", "include b.conf\nglobal_defs {\n  router_id a\n}\n");
    write("b.conf", "include a.conf\n");
    std::atexit(remove_sandbox);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    if (text.find("include") != std::string::npos && text.find('/') != std::string::npos) return -1;
    director::config::Diagnostics diag;
    director::config::load_text(text, sandbox + "/fuzz.conf", diag);
    for (const auto& e : diag.errors())
        if (e.where.file.empty()) std::abort();
    return 0;
}
