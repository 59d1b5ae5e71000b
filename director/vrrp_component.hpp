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
#include "director/realtime.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/sync_group.hpp"
#include "vrrp/track_file.hpp"
#include "vrrp/track_script.hpp"

namespace director {

// Turns validated config sections into the library's run-time settings (pure; unit tested).
vrrp::ScriptConfig to_script_config(const config::VrrpScriptConf& s, const config::GlobalDefs& g);
vrrp::InstanceConfig to_instance_config(const config::VrrpInstanceConf& in, const config::GlobalDefs& g);
vrrp::TrackFileConfig to_track_file_config(const config::TrackFileConf& f);
// What an instance tracks once its sync group is taken into account: its own trackers (weights dropped per
// keepalived's rule when the group does not keep them) and the group's.
struct TrackerPlan {
    struct Ref {
        std::string name;
        int weight = 0;
        bool reverse = false;
        bool operator==(const Ref&) const = default;
    };
    std::vector<Ref> scripts, files;
    std::vector<vrrp::TrackInterface> interfaces;
};
TrackerPlan plan_trackers(const config::VrrpInstanceConf& in, const config::Config& cfg);
// The sync group `instance` belongs to, or null.
const config::VrrpSyncGroupConf* sync_group_of(const config::Config& cfg, const std::string& instance);

class VrrpComponent final : public Component {
public:
    // `ipvs` (may be null): instances whose VIP is a virtual server's address are in FAULT while IPVS
    // is unavailable.
    VrrpComponent(boost::asio::io_context& io, const config::Config& cfg, const RunOptions& opts = {});
    void start() override;
    void stop(std::function<void()> done) override;
    // Per instance, matched by name: unchanged ones are not touched; updated ones change in place
    // (vrrp::Instance::update); removed (and replaced) ones stop as on SIGTERM, a master sending its
    // priority-0 advert and removing its VIPs; new ones start as at startup. A vrrp_script whose
    // definition is unchanged keeps running with its state; a redefined one starts afresh.
    void apply(const std::shared_ptr<const config::Config>& next, const reload::ConfigDiff& diff) override;
    nlohmann::json status() const override;
    const char* name() const override { return "vrrp"; }
    std::string summary() const override;

    // Operator requests (`director switchover`, `director maintenance`). `reply` gets
    // {"ok": bool, "error"?: why refused, "instances": [{"instance", "ok", "message", ...}]}.
    using Reply = std::function<void(const nlohmann::json&)>;
    // Without `instance`: every instance that is MASTER. Refused when none is (or the named one is not).
    void switchover(const std::string& instance, std::optional<vrrp::Duration> hold, Reply reply);
    // Without `instance`: every instance. A master hands over first; when no peer takes over it keeps the
    // VIP and stays out of maintenance, unless `force`. Persisted in the state dir before it takes effect.
    void maintenance(const std::string& instance, bool on, bool force, Reply reply);

private:
    // The run-time settings of `in`, tracking scripts in scripts_.
    vrrp::InstanceConfig instance_config(const config::VrrpInstanceConf& in, const config::Config& cfg) const;
    void retire(std::unique_ptr<vrrp::Instance> instance);
    // Wires a new instance to the shared state: its persisted maintenance, its published state.
    void attach(vrrp::Instance& instance);
    // The instances a request names: the one called `name`, or all of them; empty + `error` when unknown.
    std::vector<vrrp::Instance*> select(const std::string& name, std::string& error);
    void persist_maintenance(const std::string& instance, bool on);
    // Track files: unchanged definitions keep their object (and watch); others are built afresh (listed in
    // `fresh`, to start). Returns the objects replaced or removed.
    std::map<std::string, std::unique_ptr<vrrp::TrackFile>> load_track_files(const config::Config& cfg,
                                                                             std::vector<vrrp::TrackFile*>& fresh);
    // (Re)builds the sync groups around the current instances.
    void build_groups(const config::Config& cfg);
    // vrrp_rt_priority / max_auto_priority from global_.
    void apply_scheduling();
    void group_changed(const config::VrrpSyncGroupConf& g, vrrp::State from, vrrp::State to);
    // Every instance of the groups the selected instances are in, so a planned move moves whole groups.
    std::vector<vrrp::Instance*> with_group_members(std::vector<vrrp::Instance*> chosen) const;

    boost::asio::io_context& io_;
    std::map<std::string, std::unique_ptr<vrrp::TrackScript>> scripts_;
    std::map<std::string, std::unique_ptr<vrrp::TrackFile>> files_;
    std::vector<std::unique_ptr<vrrp::SyncGroup>> groups_;
    std::vector<config::VrrpSyncGroupConf> group_confs_;
    config::GlobalDefs global_;
    std::optional<AutoPriority> auto_priority_;
    std::vector<std::unique_ptr<vrrp::Instance>> instances_;
    // Instances a reload removed, until their stop (notify_stop) has finished.
    std::vector<std::unique_ptr<vrrp::Instance>> retiring_;
    // Scripts a reload replaced, stopped, kept until their last run has completed.
    std::vector<std::unique_ptr<vrrp::TrackScript>> retired_scripts_;
    std::shared_ptr<IpvsAvailability> ipvs_;
    std::shared_ptr<InstanceStates> states_;
    std::shared_ptr<state::StateStore> store_;
    std::shared_ptr<events::EventLog> events_;
    bool stopping_ = false;
};

}  // namespace director
