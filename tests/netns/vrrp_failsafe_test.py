#!/usr/bin/python3
"""VRRP fail-safe behaviour on a shared segment (root; namespaces only, 198.18.0.0/15):
- a node restarted with a failing track script never preempts the healthy master, even while its
  script has not answered yet (the first result decides; no MASTER before it);
- this host's kernel has no IPVS: instances carrying a virtual server's VIP stay in FAULT and take no
  VIP (fail closed instead of black-holing the service), and status agrees;
- the log names each VIP added and removed and each gratuitous ARP burst;
- a valid advert routed from two hops away to the master's own address is dropped and counted, and
  the master keeps its VIP."""
import os
import re
import socket
import struct
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import (INJECTOR, SLACK, VIP, VRID, ThreeHostCase, Topology, instance_conf,  # noqa: E402
                          master_down, wait_until, write_script)

# Sends VRRP adverts from a raw socket: argv = destination, count, interval, priority, vrid, password, VIP.
# The packet is valid in every field the receive rules check except where it comes from.


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


class VrrpOffLink(ThreeHostCase):
    """a and b on segment A (198.18.0.0/24); a router r (198.18.0.254 and 198.19.0.1) to segment B, where
    host x (198.19.0.2) sits two hops from the pair."""
    PREFIX = "vol"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.r = cls.topo.host("r", "198.18.0.254/24")
        cls.far = Topology("volx", bridge=False).__enter__()
        cls.x = cls.far.host("x")
        # The second segment is a veth pair made inside r's namespace; one end moves to x. Nothing is
        # created in the root namespace.
        cls.r.run(["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1x"])
        cls.r.run(["ip", "link", "set", "eth1x", "netns", cls.x.ns])
        cls.x.run(["ip", "link", "set", "eth1x", "name", "eth1"])
        cls.r.run(["ip", "addr", "add", "198.19.0.1/24", "dev", "eth1"])
        cls.r.run(["ip", "link", "set", "eth1", "up"])
        cls.r.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        cls.x.run(["ip", "addr", "add", "198.19.0.2/24", "dev", "eth1"])
        cls.x.run(["ip", "link", "set", "eth1", "up"])
        cls.x.run(["ip", "route", "add", "default", "via", "198.19.0.1"])
        for h in (cls.a, cls.b):
            h.run(["ip", "route", "add", "198.19.0.0/24", "via", "198.18.0.254"])

    @classmethod
    def tearDownClass(cls):
        cls.far.__exit__(None, None, None)
        super().tearDownClass()

    def test_off_link_advert_to_the_masters_address_is_dropped_and_counted(self):
        da = self.daemon(self.a, "a", instance_conf(110, "MASTER"))
        db = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: da.has_vip() and db.state() == "BACKUP", master_down(110) + SLACK, "a master")
        x = self.x.popen([sys.executable, "-c", INJECTOR, "198.18.0.1", "20", "0.1", "254", str(VRID), "k8sHA", VIP])
        while x.poll() is None:
            self.assertTrue(da.has_vip(), "the master gave up its VIP to an off-link advert")
            self.assertEqual(da.state(), "MASTER")
            time.sleep(0.05)
        self.assertEqual(x.returncode, 0)
        wait_until(lambda: da.instance()["dropped"]["destination"] >= 20, 2, "20 off-link adverts counted")
        self.assertEqual(da.instance()["dropped"]["ttl"], 0)
        self.assertEqual(da.state(), "MASTER")
        self.assertFalse(db.has_vip())
        self.assertIn("dropped advert from 198.19.0.2: destination", da.log())


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
