#!/usr/bin/python3
"""VRRP between two directors in network namespaces (root). A bridge joins hosts a (198.18.0.1),
b (198.18.0.2) and an observer c (198.18.0.3) that runs tcpdump; VIP 198.18.0.100. Timings are checked
against RFC 3768's bounds with deadline polls, never fixed sleeps."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_harness import SLACK, VIP, Capture, ThreeHostCase, instance_conf, master_down, skew, wait_until  # noqa: E402


class VrrpNamespaces(ThreeHostCase):
    PREFIX = "vrrp"

    def elect(self, prio_a=110, prio_b=100, conf_a=None, conf_b=None):
        """a (MASTER 110) and b (BACKUP 100) as in seed 004; returns both once a holds the VIP."""
        da = self.daemon(self.a, "a", conf_a or instance_conf(prio_a, "MASTER"))
        db = self.daemon(self.b, "b", conf_b or instance_conf(prio_b))
        wait_until(lambda: da.state() == "MASTER" and da.has_vip(), master_down(prio_a) + 2, "a becomes master")
        wait_until(lambda: db.state() == "BACKUP", 2, "b is backup")
        return da, db

    def test_right_master_elected_and_sigterm_hands_over_within_skew_time(self):
        cap = Capture(self.c, self.wd, "wire", "ip proto 112 or arp")
        da, db = self.elect()
        self.assertFalse(db.has_vip())
        bi = db.instance()
        self.assertEqual(bi["master"], "198.18.0.1")
        self.assertEqual(bi["master_priority"], 110)

        da.signal(signal.SIGTERM)
        t0 = time.monotonic()
        wait_until(db.has_vip, skew(100) + SLACK, "b holds the VIP within Skew_Time after SIGTERM")
        took = time.monotonic() - t0
        self.assertEqual(da.wait_exit(), 0)
        self.assertFalse(da.has_vip(), "a removed its VIP on SIGTERM")
        self.assertEqual(db.state(), "MASTER")
        # The hand-over message and b's gratuitous ARP were on the wire.
        wait_until(lambda: "198.18.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0" in cap.text(), 2,
                   "priority-0 advert from a on the wire")
        b_mac = self.b.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        wait_until(lambda: any(l.split()[1:2] == [b_mac] and f"Request who-has {VIP}" in l and f"tell {VIP}" in l
                               for l in cap.lines()), 2, "gratuitous ARP for the VIP from b's MAC")
        sys.stderr.write(f"SIGTERM takeover in {took:.3f}s (Skew_Time {skew(100):.3f}s)\n")

    def test_kill9_backup_takes_over_within_master_down_interval_then_restart_preempts(self):
        da, db = self.elect()
        da.signal(signal.SIGKILL)
        da.wait_exit()
        t0 = time.monotonic()
        wait_until(db.has_vip, master_down(100) + SLACK, "b holds the VIP within Master_Down_Interval")
        took = time.monotonic() - t0
        sys.stderr.write(f"kill -9 takeover in {took:.3f}s (Master_Down_Interval {master_down(100):.3f}s)\n")
        self.assertTrue(self.a.has_address(VIP), "kill -9 leaves a's VIP behind (precondition)")

        # A restarted a first removes the stale copy, then (priority 110, preempt on) takes the VIP back.
        da2 = self.daemon(self.a, "a2", instance_conf(110, "MASTER"))
        wait_until(lambda: da2.state() == "BACKUP", 3, "restarted a starts as backup")
        self.assertFalse(self.a.has_address(VIP), "stale VIP removed at start")
        wait_until(lambda: da2.state() == "MASTER" and da2.has_vip(), master_down(110) + SLACK + 1,
                   "a preempts b")
        wait_until(lambda: not db.has_vip() and db.state() == "BACKUP", 2, "b releases the VIP")

    def test_nopreempt_higher_priority_stays_backup(self):
        db = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: db.state() == "MASTER", master_down(100) + 2, "b alone becomes master")
        da = self.daemon(self.a, "a", instance_conf(110, "BACKUP", extra="    nopreempt"))
        # Watch for longer than a's Master_Down_Interval: a preempting a would have happened by then.
        end = time.monotonic() + master_down(110) + 1.5
        wait_until(lambda: da.state() == "BACKUP", 3, "a up as backup")
        while time.monotonic() < end:
            self.assertEqual(da.state(), "BACKUP")
            self.assertTrue(db.has_vip())
            time.sleep(0.1)
        self.assertEqual(da.instance()["master"], "198.18.0.2")
        # nopreempt still takes over from a dead master.
        db.signal(signal.SIGTERM)
        wait_until(da.has_vip, skew(110) + SLACK, "a takes over when b stops")

    def test_preempt_delay_postpones_preemption(self):
        db = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: db.state() == "MASTER", master_down(100) + 2, "b alone becomes master")
        da = self.daemon(self.a, "a", instance_conf(110, "BACKUP", extra="    preempt_delay 5"))
        wait_until(lambda: da.state() == "MASTER", 5 + master_down(110) + SLACK, "a preempts after the delay")
        waited = time.monotonic() - da.started_at
        self.assertGreaterEqual(waited, 5.0, "preempted before preempt_delay")
        wait_until(lambda: not db.has_vip(), 2, "b releases the VIP")
        sys.stderr.write(f"preempt after {waited:.2f}s (preempt_delay 5s)\n")

    def test_wrong_password_adverts_are_dropped_and_counted(self):
        da = self.daemon(self.a, "a", instance_conf(110, "MASTER", password="wrong"))
        db = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: (db.instance() or {}).get("dropped", {}).get("auth_password", 0) >= 2,
                   master_down(110) + 3, "b counts a's adverts as auth_password drops")
        # Dropped means unheard: b never accepts a as master and takes the VIP itself.
        wait_until(lambda: db.state() == "MASTER", master_down(100) + SLACK, "b becomes master anyway")
        self.assertNotEqual(db.instance()["master"], "198.18.0.1")
        self.assertEqual(db.instance()["adverts_received"], 0)
        self.assertGreaterEqual(da.instance()["dropped"]["auth_password"], 1)

    def test_failing_track_script_moves_the_vip_and_recovery_moves_it_back(self):
        flag = os.path.join(self.wd, "apiserver-ok")
        open(flag, "w").close()
        scripts = f"""
vrrp_script chk {{
    script "/usr/bin/test -e {flag}"
    interval 1
    fall 2
    rise 1
    weight -20
}}"""
        track = "    track_script {\n        chk\n    }"
        da, db = self.elect(conf_a=instance_conf(110, "MASTER", scripts=scripts, track=track))
        os.unlink(flag)
        # fall 2 at interval 1, then a advertises 90 and b (100) preempts within its down interval.
        wait_until(lambda: db.has_vip() and db.state() == "MASTER", 2 + 1 + master_down(100) + SLACK,
                   "b takes the VIP after a's check fails")
        wait_until(lambda: not da.has_vip(), 1, "a released the VIP")
        self.assertEqual(da.instance()["effective_priority"], 90)
        self.assertEqual(da.state(), "BACKUP")
        open(flag, "w").close()
        wait_until(lambda: da.has_vip() and not db.has_vip(), 1 + 1 + master_down(110) + SLACK,
                   "a takes the VIP back once the check passes")
        self.assertEqual(da.instance()["effective_priority"], 110)

    def test_interface_down_means_fault_and_vip_moves(self):
        da, db = self.elect()
        self.a.run(["ip", "link", "set", "eth0", "down"])
        try:
            # Link state is polled every 0.5 s; a silent a is then replaced after b's down interval.
            wait_until(lambda: da.state() == "FAULT", 2, "a enters FAULT when eth0 goes down")
            self.assertFalse(da.has_vip(), "FAULT holds no VIP")
            wait_until(db.has_vip, master_down(100) + 0.5 + SLACK, "b takes the VIP")
        finally:
            self.a.run(["ip", "link", "set", "eth0", "up"])
        wait_until(lambda: da.state() in ("BACKUP", "MASTER"), 3, "a leaves FAULT")
        wait_until(lambda: da.has_vip() and not db.has_vip(), master_down(110) + 1 + SLACK, "a preempts again")

    def test_unicast_peers_elect_and_notify_scripts_get_keepalived_arguments(self):
        log = os.path.join(self.wd, "notify.log")
        script = os.path.join(self.wd, "notify.sh")
        with open(script, "w") as f:
            f.write(f"#!/bin/sh\necho \"$@\" >> {log}\n")
        os.chmod(script, 0o755)

        def conf(prio, state, src, peer):
            return instance_conf(prio, state, extra=f"""    unicast_src_ip {src}
    unicast_peer {{
        {peer}
    }}
    notify {script}
    notify_master "{script} master-only"
""")
        cap = Capture(self.c, self.wd, "wire", "ip proto 112")
        da, db = self.elect(conf_a=conf(110, "MASTER", "198.18.0.1", "198.18.0.2"),
                            conf_b=conf(100, "BACKUP", "198.18.0.2", "198.18.0.1"))
        self.assertEqual(da.instance()["mode"], "unicast")
        self.assertEqual(db.instance()["master"], "198.18.0.1")
        # Unicast adverts go to the peer, never to the multicast group. The bridge floods unknown unicast
        # only until it learns b's MAC, so the observer may or may not see them; it must see no multicast.
        self.assertNotIn("224.0.0.18", cap.text())

        def lines():
            if not os.path.exists(log):
                return []
            with open(log) as f:
                return f.read().splitlines()
        wait_until(lambda: "INSTANCE VI_1 MASTER 110" in lines() and "master-only" in lines()
                   and "INSTANCE VI_1 BACKUP 100" in lines(), 3, "notify scripts ran with keepalived's arguments")
        da.signal(signal.SIGTERM)
        wait_until(db.has_vip, skew(100) + SLACK, "b takes over over unicast after a's priority-0 advert")
        wait_until(lambda: "INSTANCE VI_1 STOP 110" in lines() and "INSTANCE VI_1 MASTER 100" in lines(), 3,
                   "notify on stop and on b becoming master")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
