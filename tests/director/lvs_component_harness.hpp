#pragma once
// An LvsComponent on the in-memory kernel, driven from the test's own io_context: shared by the component
// tests (lifecycle, reloads, hand drains) and the kernel-seam tests (sync daemons, sysctls, timeouts).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "director/ipvs_availability.hpp"
#include "director/lvs_component.hpp"
#include "tests/director/config_text.hpp"
#include "tests/director/ipvs_fake_kernel.hpp"
#include "tests/director/run_until.hpp"

namespace testsupport {

// Real servers 198.18.0.11.. on port 80 with weights as given; delay_loop 0.2 s keeps the repair tests short.
inline std::string service(const std::string& vip, std::vector<int> weights, const std::string& sched = "rr") {
    std::string s = "virtual_server " + vip + " 80 {\n  delay_loop 0.2\n  lb_algo " + sched +
                    "\n  lb_kind DR\n  protocol TCP\n";
    for (size_t i = 0; i < weights.size(); ++i)
        s += "  real_server 198.18.0.1" + std::to_string(i + 1) + " 80 {\n    weight " + std::to_string(weights[i]) +
             "\n  }\n";
    return s + "}\n";
}

inline director::ipvs::ServiceKey key(const std::string& vip) {
    director::ipvs::ServiceKey k;
    k.address = ntohl(inet_addr(vip.c_str()));
    k.port = 80;
    return k;
}

struct LvsHarness {
    boost::asio::io_context io;
    director::ipvs::testing::FakeKernel kernel;
    std::atomic<bool> kernel_missing{false};  // read by the worker thread
    director::RunOptions opts;
    std::unique_ptr<director::Component> lvs;

    explicit LvsHarness(const std::string& text, bool keep = false) {
        opts.keep_ipvs_on_exit = keep;
        opts.ipvs = std::make_shared<director::IpvsAvailability>();
        lvs = director::make_lvs_component(
            io, load_config(text), opts,
            [this]() -> std::unique_ptr<director::ipvs::Kernel> {
                if (kernel_missing) throw director::ipvs::KernelError(ENOENT, "IPVS netlink family not found");
                return std::make_unique<director::ipvs::testing::Borrowed>(kernel);
            },
            nullptr);
    }
    size_t dests(const std::string& vip) {
        auto held = kernel.lock();
        auto it = kernel.table.find(key(vip));
        return it == kernel.table.end() ? 0 : it->second.destinations.size();
    }
    bool has(const std::string& vip) {
        auto held = kernel.lock();
        return kernel.table.count(key(vip)) > 0;
    }
    nlohmann::json status() { return lvs->status(); }
    void stop() {
        bool done = false;
        lvs->stop([&] { done = true; });
        ASSERT_TRUE(run_until(io, [&] { return done; }, std::chrono::seconds(5)));
    }
};

}  // namespace testsupport
