#include "director/drill/drill.hpp"

#include <iostream>
#include <functional>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "director/control_socket.hpp"
#include "director/drill/probe.hpp"
#include "director/drill/window.hpp"

namespace director::drill {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct NoDaemon : std::runtime_error {
    using std::runtime_error::runtime_error;
};

json status(const DrillOptions& o) {
    try {
        return control_request(o.control_socket, "status", 5s);
    } catch (const std::exception& e) {
        throw NoDaemon(e.what());
    }
}

json find_instance(const json& s, const std::string& name) {
    for (const auto& i : s.value("vrrp", json::object()).value("instances", json::array()))
        if (i.value("name", "") == name) return i;
    throw Refused("no vrrp_instance '" + name + "'");
}

std::string pick_instance(const DrillOptions& o, const json& s) {
    const auto& all = s.value("vrrp", json::object()).value("instances", json::array());
    if (!o.instance.empty()) {
        json i = find_instance(s, o.instance);
        if (i.value("state", "") != "MASTER")
            throw Refused("not master: " + o.instance + " is " + i.value("state", "?") + " (run the drill on the master)");
        return o.instance;
    }
    for (const auto& i : all)
        if (i.value("state", "") == "MASTER") return i.value("name", "");
    throw Refused(all.empty() ? "this daemon runs no vrrp_instance" : "not master: no instance here is MASTER (run the drill on the master)");
}

// tcp:// to the first virtual server whose address is one of the instance's VIPs.
std::string default_probe(const json& s, const json& inst) {
    for (const auto& vs : s.value("lvs", json::object()).value("membership", json::array())) {
        std::string name = vs.value("virtual_server", "");  // "TCP 198.18.10.100:6443"
        auto sp = name.find(' ');
        if (name.rfind("TCP ", 0) != 0 || sp == std::string::npos) continue;
        std::string ap = name.substr(sp + 1), addr = ap.substr(0, ap.rfind(':'));
        for (const auto& v : inst.value("vips", json::array())) {
            std::string vip = v.get<std::string>();
            if (vip.rfind(addr, 0) == 0 && (vip.size() == addr.size() || vip[addr.size()] == '/' || vip[addr.size()] == ' '))
                return "tcp://" + ap;
        }
    }
    throw Refused("no TCP virtual server on this instance's VIPs to probe: give --probe URL");
}

long long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// Runs the probes on a thread of their own while this one drives the switchovers (blocking calls).
class ProbeThread {
public:
    explicit ProbeThread(ProbeOptions o) : work_(io_.get_executor()), prober_(io_, std::move(o)) {
        boost::asio::post(io_, [this] { prober_.start(); });
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ProbeThread() {
        boost::asio::post(io_, [this] { prober_.stop(); });
        work_.reset();
        // Checkers still in their exchange end at their deadline; the loop then runs dry.
        thread_.join();
    }
    Prober& prober() { return prober_; }
    // Runs f on the probe thread and waits for it.
    void on_thread(std::function<void()> f) {
        std::promise<void> done;
        boost::asio::post(io_, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    Prober prober_;
    std::thread thread_;
};

json one_round(const DrillOptions& o, const std::string& instance, ProbeThread& probes, int n) {
    Prober& prober = probes.prober();
    if (n > 1) {
        // Each round's own long-lived connection, answered once before anything moves.
        probes.on_thread([&] { prober.renew_long_lived(); });
        auto ready = Clock::now() + 3s;
        while (prober.long_lived_ok().value_or(false) && prober.long_lived_requests() == 0 && Clock::now() < ready)
            std::this_thread::sleep_for(20ms);
    }
    auto begin = Clock::now();
    std::this_thread::sleep_for(500ms);  // probes from before the move: the baseline
    json args{{"instance", instance}, {"hold", o.hold_s}};
    auto asked = Clock::now();
    json reply;
    try {
        reply = control_request(o.control_socket, "switchover " + args.dump(), 60s);
    } catch (const std::exception& e) {
        throw NoDaemon(e.what());
    }
    auto handed = Clock::now();
    if (reply.contains("error")) throw Refused(reply["error"].get<std::string>());
    json mine;
    for (const auto& i : reply.value("instances", json::array()))
        if (i.value("instance", "") == instance) mine = i;
    if (!mine.value("ok", false)) throw Refused(mine.value("message", reply.dump()));

    json after = find_instance(status(o), instance);
    int peer_priority = after.value("master_priority", 0);
    long long skew_ms = peer_priority > 0 ? (256 - peer_priority) * 1000LL / 256 : -1;
    // Back: when the hold ends this node preempts (it was master by priority, so it still outranks the
    // peer); allow the hold plus a generous Master_Down_Interval.
    auto deadline = handed + std::chrono::milliseconds(static_cast<long long>(o.hold_s * 1000)) + 15s;
    std::string state;
    while ((state = find_instance(status(o), instance).value("state", "")) != "MASTER" && Clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    long long back_ms = ms_since(handed);
    if (state != "MASTER")
        throw Refused("round " + std::to_string(n) + ": the VIP did not come back within " + std::to_string(back_ms) +
                      " ms (does this node have preempt and the higher priority?)");
    std::this_thread::sleep_for(1s);  // probes after the move back
    auto end = Clock::now();
    WindowStats w = window_stats(prober.samples(), begin, end);
    json r{{"round", n},
           {"peer", mine.value("new_master", "")},
           {"peer_first_master_advert_ms", mine.value("took_ms", 0)},
           {"skew_time_ms", skew_ms},
           {"probes", w.probes},
           {"failed_probes", w.failed},
           {"gap_ms", w.gap.count()},
           {"gap_within_bound", skew_ms >= 0 && w.gap.count() <= skew_ms + 200},
           {"back_ms", back_ms}};
    // Which probes failed and when (ms after the switchover was asked for), so a failure can be placed:
    // around the peer's takeover, or around the move back.
    json failures = json::array();
    for (const auto& smp : prober.samples())
        if (!smp.ok && smp.started >= begin && smp.started < end && failures.size() < 20)
            failures.push_back({{"at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(smp.started - asked).count()},
                                {"reason", smp.reason}});
    r["failures"] = failures;
    if (auto ok = prober.long_lived_ok()) {
        r["long_lived_survived"] = *ok;
        r["long_lived_requests"] = prober.long_lived_requests();
        if (!*ok) r["long_lived_error"] = prober.long_lived_error();
    } else {
        r["long_lived_survived"] = nullptr;
    }
    return r;
}

void print_round(const json& r) {
    std::cout << "round " << r["round"].get<int>() << ": peer " << r["peer"].get<std::string>() << " sent its first master advert after "
              << r["peer_first_master_advert_ms"].get<long long>() << " ms (its Skew_Time " << r["skew_time_ms"].get<long long>()
              << " ms); " << r["failed_probes"].get<size_t>() << " of " << r["probes"].get<size_t>()
              << " probes failed, longest gap " << r["gap_ms"].get<long long>() << " ms ("
              << (r["gap_within_bound"].get<bool>() ? "within" : "beyond") << " Skew_Time + 200 ms); VIP back after "
              << r["back_ms"].get<long long>() << " ms; long-lived connection: "
              << (r["long_lived_survived"].is_null() ? "not measured (tcp probe)"
                  : r["long_lived_survived"].get<bool>() ? "survived (" + std::to_string(r["long_lived_requests"].get<unsigned long long>()) + " requests)"
                                                         : "broken (" + r["long_lived_error"].get<std::string>() + ")")
              << std::endl;
    for (const auto& f : r["failures"])
        std::cout << "  probe failed " << f["at_ms"].get<long long>() << " ms after the switchover was asked for: "
                  << f["reason"].get<std::string>() << std::endl;
}

}  // namespace

int run_drill(const DrillOptions& o) {
    try {
        json s = status(o);
        std::string instance = pick_instance(o, s);
        std::string url_text = o.probe ? *o.probe : default_probe(s, find_instance(s, instance));
        std::string err;
        auto url = parse_probe_url(url_text, err);
        if (!url) throw Refused(err);
        ProbeOptions po;
        po.url = *url;
        po.ca = o.ca;
        ProbeThread probes(po);
        // Before anything moves the probe must pass, or the drill would measure a broken probe.
        auto deadline = Clock::now() + 3s;
        auto passing = [&] {
            auto all = probes.prober().samples();
            return !all.empty() && all.back().ok && probes.prober().long_lived_ok().value_or(true) &&
                   (!probes.prober().long_lived_ok() || probes.prober().long_lived_requests() > 0);
        };
        while (!passing() && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
        if (!passing()) {
            auto all = probes.prober().samples();
            std::string why = !all.empty() && !all.back().ok ? all.back().reason
                              : !probes.prober().long_lived_error().empty() ? "long-lived connection: " + probes.prober().long_lived_error()
                                                                          : "no answer";
            throw Refused("the probe " + url_text + " fails before anything moved: " + why);
        }
        json rounds = json::array();
        for (int n = 1; n <= o.rounds; ++n) {
            rounds.push_back(one_round(o, instance, probes, n));
            if (!o.json) print_round(rounds.back());
        }
        json doc{{"instance", instance}, {"probe", url_text}, {"hold_s", o.hold_s}, {"rounds", rounds}};
        if (o.json) std::cout << doc.dump(2) << std::endl;
        return 0;
    } catch (const NoDaemon& e) {
        std::cerr << "director drill: " << e.what() << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "director drill: " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace director::drill
