#!/usr/bin/python3
"""Interop with the real keepalived (Debian package) as the VRRP peer, in both roles, with PASS auth.
Same topology as vrrp_netns_test.py: a 198.18.0.1, b 198.18.0.2, observer c; VIP 198.18.0.100."""
import os
import shutil
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_harness import SLACK, VIP, Capture, ThreeHostCase, instance_conf, master_down, skew, wait_until  # noqa: E402


class KeepalivedInterop(ThreeHostCase):
    PREFIX = "vrka"

    def assert_no_drops(self, d):
        dropped = {k: v for k, v in d.instance()["dropped"].items() if v and k not in ("own_packet", "unknown_vrid")}
        self.assertEqual(dropped, {}, "director dropped keepalived's adverts")

    def test_keepalived_master_director_backup(self):
        cap = Capture(self.c, self.wd, "wire", "ip proto 112")
        ka = self.daemon(self.a, "keepalived-a", instance_conf(110, "MASTER"), kind="keepalived")
        db = self.daemon(self.b, "director-b", instance_conf(100))
        wait_until(lambda: self.a.has_address(VIP), master_down(110) + 3, "keepalived becomes master")
        wait_until(lambda: (db.instance() or {}).get("adverts_received", 0) >= 2, 4, "director hears keepalived")
        bi = db.instance()
        self.assertEqual(bi["state"], "BACKUP")
        self.assertEqual(bi["master"], "198.18.0.1")
        self.assertEqual(bi["master_priority"], 110)
        self.assertFalse(db.has_vip())
        self.assert_no_drops(db)

        ka.signal(signal.SIGTERM)
        t0 = time.monotonic()
        wait_until(db.has_vip, skew(100) + SLACK, "director takes over within Skew_Time of keepalived's stop")
        sys.stderr.write(f"director took over from keepalived in {time.monotonic() - t0:.3f}s\n")
        self.assertIn("198.18.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0", cap.text())
        ka.wait_exit()
        wait_until(lambda: not self.a.has_address(VIP), 2, "keepalived removed its VIP")

    def test_director_master_keepalived_backup(self):
        da = self.daemon(self.a, "director-a", instance_conf(110, "MASTER"))
        kb = self.daemon(self.b, "keepalived-b", instance_conf(100), kind="keepalived")
        wait_until(lambda: da.state() == "MASTER" and da.has_vip(), master_down(110) + 2, "director becomes master")
        # keepalived must accept our adverts: it stays backup past its own Master_Down_Interval.
        end = time.monotonic() + master_down(100) + 1
        while time.monotonic() < end:
            self.assertFalse(self.b.has_address(VIP), "keepalived took the VIP: it rejected our adverts")
            time.sleep(0.1)
        # keepalived logs "received an invalid passwd!" / "bogus" lines for adverts it rejects.
        self.assertNotIn("invalid", kb.log().lower())
        self.assertNotIn("bogus", kb.log().lower())

        da.signal(signal.SIGTERM)
        t0 = time.monotonic()
        wait_until(lambda: self.b.has_address(VIP), skew(100) + SLACK, "keepalived takes over within Skew_Time")
        sys.stderr.write(f"keepalived took over from director in {time.monotonic() - t0:.3f}s\n")
        self.assertEqual(da.wait_exit(), 0)

        # A restarted director (110) preempts keepalived (100): keepalived honours our priority.
        da2 = self.daemon(self.a, "director-a2", instance_conf(110, "MASTER"))
        wait_until(lambda: da2.has_vip() and not self.b.has_address(VIP), master_down(110) + SLACK + 1,
                   "director preempts keepalived, which releases the VIP")
        self.assert_no_drops(da2)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    if not shutil.which("keepalived"):
        print("SKIP: keepalived is not installed")
        sys.exit(77)
    unittest.main(verbosity=2)
