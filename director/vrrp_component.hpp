#pragma once
// The VRRP part of `director run`: every vrrp_instance of the config with the vrrp_scripts they track.
// make_vrrp_component (components.hpp) builds it; status() is what `director status` shows under "vrrp".
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <vector>

#include "director/component.hpp"
#include "director/components.hpp"
#include "director/config/model.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/track_script.hpp"

namespace director {

// Turns validated config sections into the library's run-time settings (pure; unit tested).
vrrp::ScriptConfig to_script_config(const config::VrrpScriptConf& s, const config::GlobalDefs& g);
vrrp::InstanceConfig to_instance_config(const config::VrrpInstanceConf& in, const config::GlobalDefs& g);

class VrrpComponent final : public Component {
public:
    // `ipvs` (may be null): instances whose VIP is a virtual server's address are in FAULT while IPVS
    // is unavailable.
    VrrpComponent(boost::asio::io_context& io, const config::Config& cfg,
                  std::shared_ptr<IpvsAvailability> ipvs = nullptr);
    void start() override;
    void stop(std::function<void()> done) override;
    nlohmann::json status() const override;
    const char* name() const override { return "vrrp"; }

private:
    boost::asio::io_context& io_;
    std::map<std::string, std::unique_ptr<vrrp::TrackScript>> scripts_;
    std::vector<std::unique_ptr<vrrp::Instance>> instances_;
    std::shared_ptr<IpvsAvailability> ipvs_;
};

}  // namespace director
