#!/usr/bin/python3
"""The state directory full or read-only under a running master (root; namespaces for the network, a 256 KiB
tmpfs of the test's own for --state-dir): `director maintenance on` cannot record itself, so it is refused
with exit 1 and the reason (never applied without being persisted, no temporary file left), the master keeps
the VIP and keeps advertising; once space is back the same command works."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from vrrp_harness import (VIP, Daemon, ThreeHostCase, director_binary, instance_conf, master_down,  # noqa: E402
                          wait_until)


class StateDirDrill(ThreeHostCase):
    PREFIX = "drs"

    def setUp(self):
        super().setUp()
        self.mnt = os.path.join(self.wd, "state-mnt")
        os.makedirs(self.mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", self.mnt], check=True)

    def tearDown(self):
        subprocess.run(["umount", "-l", self.mnt], check=False)
        super().tearDown()

    def ctl(self, d, *args):
        return subprocess.run([director_binary(), *args, "--control-socket", d.sock], capture_output=True, text=True,
                              timeout=30)

    def test_full_state_dir_refuses_maintenance_and_keeps_the_vip(self):
        d2 = Daemon(self.a, self.wd, "a", instance_conf(150, "MASTER"))
        d2.state_dir = os.path.join(self.mnt, "state")
        self.daemons.append(d2)
        d2.start()
        wait_until(lambda: d2.state() == "MASTER", master_down(150) + 2, "a master on the tmpfs state dir")
        with open(os.path.join(self.mnt, "filler"), "wb") as f:
            try:
                f.write(b"\0" * (1024 * 1024))
            except OSError:
                pass
        adverts = d2.instance()["adverts_sent"]
        r = self.ctl(d2, "maintenance", "on")
        print(f"maintenance on with a full state dir: exit {r.returncode}, {r.stderr.strip()}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("state dir", r.stderr)
        self.assertIn("No space left on device", r.stderr)
        self.assertEqual(d2.state(), "MASTER")
        self.assertFalse(d2.instance()["maintenance"])
        leftovers = [n for n in os.listdir(d2.state_dir) if n.startswith(".state.json.")]
        self.assertEqual(leftovers, [], "a failed write leaves no temporary file behind")
        self.assertTrue(self.a.has_address(VIP, "eth0"))
        wait_until(lambda: d2.instance()["adverts_sent"] >= adverts + 2, 3, "adverts go on")

        os.remove(os.path.join(self.mnt, "filler"))
        r = self.ctl(d2, "maintenance", "on", "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: not self.a.has_address(VIP, "eth0"), 2, "VIP released in maintenance")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces, mount)")
        sys.exit(77)
    unittest.main(verbosity=2)
