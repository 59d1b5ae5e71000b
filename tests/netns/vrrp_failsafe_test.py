#!/usr/bin/python3
"""VRRP fail-safe behaviour on a shared segment (root; namespaces only, 198.18.0.0/15):
- a node restarted with a failing track script never preempts the healthy master, even while its
  script has not answered yet (the first result decides; no MASTER before it);
- this host's kernel has no IPVS: instances carrying a virtual server's VIP stay in FAULT and take no
  VIP (fail closed instead of black-holing the service), and status agrees;
- the log names each VIP added and removed and each gratuitous ARP burst."""
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import (SLACK, VIP, ThreeHostCase, instance_conf, master_down,  # noqa: E402
                          wait_until, write_script)


class VrrpFailSafe(ThreeHostCase):
    PREFIX = "vfs"

    def test_restarted_node_with_failing_check_never_preempts_the_healthy_master(self):
        db = self.daemon(self.b, "b", instance_conf(80))
        wait_until(lambda: db.has_vip() and db.state() == "MASTER", master_down(80) + SLACK, "b master alone")
        # a: priority 110, its check fails after 5 s (longer than a's Master_Down_Interval, so a would
        # preempt on its unproven priority before the first result), weight -50 -> 60 < 80. With
        # keepalived's `fall 10` the old behaviour waited ten failures at full priority.
        check = write_script(self.wd, "check.sh", "sleep 5\nexit 1\n")
        scripts = f"""
vrrp_script chk {{
    script "{check}"
    interval 10
    timeout 8
    fall 10
    rise 2
    weight -50
}}"""
        da = self.daemon(self.a, "a", instance_conf(110, "MASTER", scripts=scripts,
                                                    track="    track_script {\n        chk\n    }"))
        end = time.monotonic() + 5 + master_down(60) + 2
        while time.monotonic() < end:
            self.assertFalse(da.has_vip(), "a took the VIP before or despite its failing check")
            self.assertTrue(db.has_vip(), "b lost the VIP")
            time.sleep(0.05)
        inst = da.instance()
        self.assertEqual(inst["state"], "BACKUP")
        self.assertEqual(inst["effective_priority"], 60)
        self.assertIn("staying BACKUP until every tracked script has reported", da.log())

    def test_vip_of_a_virtual_server_is_not_taken_without_ipvs(self):
        vs = ("virtual_server 198.18.0.100 6443 {\n    protocol TCP\n    lb_kind DR\n"
              "    real_server 198.18.0.11 6443 {\n        TCP_CHECK {\n            connect_timeout 1\n"
              "        }\n    }\n}\n")
        da = self.daemon(self.a, "a", instance_conf(110, "MASTER") + vs)
        db = self.daemon(self.b, "b", instance_conf(100) + vs)
        wait_until(lambda: da.state() == "FAULT" and db.state() == "FAULT", 5, "both in FAULT")
        end = time.monotonic() + master_down(100) + 1
        while time.monotonic() < end:
            self.assertFalse(da.has_vip() or db.has_vip(), "a VIP was taken with no IPVS to forward it")
            time.sleep(0.05)
        for d in (da, db):
            s = d.status()
            inst = s["vrrp"]["instances"][0]
            self.assertEqual(inst["state"], "FAULT")
            self.assertTrue(inst["reason"].startswith("IPVS unavailable"), inst["reason"])
            self.assertEqual(inst["vips_held"], [])
            self.assertEqual(s["lvs"]["kernel"], "unavailable")
            in_table = re.findall(r'"in_table": (true|false)', __import__("json").dumps(s["lvs"]))
            self.assertNotIn("true", in_table, "status says a server is in a table that does not exist")

    def test_log_names_each_vip_added_removed_and_garp_burst(self):
        da = self.daemon(self.a, "a", instance_conf(110, "MASTER"))
        wait_until(lambda: da.has_vip() and da.state() == "MASTER", master_down(110) + SLACK, "a master")
        wait_until(lambda: f"added VIP {VIP}/24 dev eth0" in da.log(), 2, "VIP addition logged")
        wait_until(lambda: re.search(rf"sent \d+ gratuitous ARP\(s\) for {re.escape(VIP)} on eth0", da.log()), 2,
                   "GARP burst logged")
        self.assertEqual(da.instance()["vips_held"], [f"{VIP}/24 dev eth0"])
        db = self.daemon(self.b, "b", instance_conf(120))
        wait_until(lambda: db.has_vip() and not da.has_vip(), master_down(120) + 1 + SLACK, "b preempts")
        wait_until(lambda: f"removed VIP {VIP}/24 dev eth0" in da.log(), 2, "VIP removal logged")
        self.assertEqual(da.instance()["vips_held"], [])
        self.assertEqual(da.instance()["vips"], [f"{VIP}/24 dev eth0"])


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
