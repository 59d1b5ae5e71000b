#!/usr/bin/python3
"""IPVS missing (root; namespaces; this host's kernel has no IPVS, which is the drill): a director whose
config has a virtual server on VI_1's VIP, and a second instance VI_2 whose VIP carries no service. Over
six delay_loops and a reload the log says what is wrong exactly once (naming the module and what to do),
every failed attempt is counted, the daemon stays up, VI_1 never takes its VIP (nothing could forward it)
and VI_2 keeps its VIP and advertises on time: one missing kernel module takes out only what needs it."""
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from vrrp_harness import ThreeHostCase, director_binary, master_down, wait_until  # noqa: E402

VIP1, VIP2 = "198.18.0.100", "198.18.0.101"


def instance(name, vrid, vip):
    return (f"vrrp_instance {name} {{\n    state MASTER\n    interface eth0\n    virtual_router_id {vrid}\n"
            f"    priority 150\n    advert_int 1\n    virtual_ipaddress {{\n        {vip}/24 dev eth0\n    }}\n}}\n")


CONF = (instance("VI_1", 51, VIP1) + instance("VI_2", 52, VIP2) +
        f"virtual_server {VIP1} 6443 {{\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n"
        "    real_server 198.18.0.11 6443 {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\n")


class IpvsMissingDrill(ThreeHostCase):
    PREFIX = "dri"

    def test_one_clear_error_counted_and_only_the_service_vip_is_held_back(self):
        d = self.daemon(self.a, "a", CONF)

        def instances():
            s = d.status()
            return {i["name"]: i for i in s["vrrp"]["instances"]} if s else {}

        wait_until(lambda: instances().get("VI_2", {}).get("state") == "MASTER", master_down(150) + 2, "VI_2 master")
        first = d.status()["lvs"]["counters"]["kernel_errors"]
        sent0 = instances()["VI_2"]["adverts_sent"]
        started = time.monotonic()
        reloaded = False
        while time.monotonic() - started < 6:
            if not reloaded and time.monotonic() - started > 3:
                r = subprocess.run([director_binary(), "reload", "--control-socket", d.sock], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
                reloaded = True
            self.assertFalse(self.a.has_address(VIP1), "VI_1 took a VIP nothing can forward")
            self.assertTrue(self.a.has_address(VIP2), "VI_2 lost a VIP that needs no IPVS")
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        self.assertTrue(d.alive())
        s = d.status()
        inst = {i["name"]: i for i in s["vrrp"]["instances"]}
        self.assertEqual(inst["VI_1"]["state"], "FAULT")
        self.assertTrue(inst["VI_1"]["reason"].startswith("IPVS unavailable"), inst["VI_1"]["reason"])
        self.assertEqual(inst["VI_2"]["state"], "MASTER")
        sent = inst["VI_2"]["adverts_sent"] - sent0
        # One advert per advert_int, give or take the edges of the window.
        self.assertGreaterEqual(sent, int(elapsed) - 1)
        self.assertEqual(s["lvs"]["kernel"], "unavailable")
        counted = s["lvs"]["counters"]["kernel_errors"] - first
        self.assertGreaterEqual(counted, 4, "each failed attempt (one per delay_loop) is counted")
        errors = [line for line in d.log().splitlines() if "ipvs:" in line and "modprobe ip_vs" in line]
        print(f"ipvs missing: {len(errors)} error line(s) over {elapsed:.1f}s and a reload, {counted} attempts "
              f"counted, VI_2 sent {sent} adverts; the line: {errors[0] if errors else None}")
        self.assertEqual(len(errors), 1, "\n".join(errors))


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("ipvs_missing_drill_test: needs root (network namespaces); skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
