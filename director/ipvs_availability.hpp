#pragma once
// Whether the kernel's IPVS table can be programmed, as the LVS component last found it. A VRRP
// instance carrying the VIP of a virtual server must not hold that VIP while it cannot: every request
// sent to it would be black-holed. The LVS component publishes, the VRRP component listens; the Daemon
// owns the one object both are given.
#include <functional>
#include <string>
#include <vector>

namespace director {

class IpvsAvailability {
public:
    // Listeners run on every change, on the daemon's thread.
    void set(bool available, const std::string& reason) {
        if (known_ && available == available_ && reason == reason_) return;
        known_ = true;
        available_ = available;
        reason_ = reason;
        for (auto& f : listeners_) f();
    }
    void subscribe(std::function<void()> f) { listeners_.push_back(std::move(f)); }
    // Until the LVS component has tried once, nothing is known and nothing is held back.
    bool unavailable() const { return known_ && !available_; }
    const std::string& reason() const { return reason_; }

private:
    bool known_ = false;
    bool available_ = false;
    std::string reason_;
    std::vector<std::function<void()>> listeners_;
};

}  // namespace director
