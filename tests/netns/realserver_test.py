#!/usr/bin/python3
"""`director realserver` and scripts/realserver.sh inside a throwaway network namespace.

net.ipv4.conf.* sysctls are per namespace, so everything changed here dies with the namespace.
Needs root; DIRECTOR_BIN points at the binary under test.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from netns import Topology  # noqa: E402

DIRECTOR = os.environ.get("DIRECTOR_BIN", "build/bin/director")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "realserver.sh")
VIP = "198.18.100.100"
KEYS = ["all.arp_ignore", "all.arp_announce", "lo.arp_ignore", "lo.arp_announce"]


class RealServerTest(unittest.TestCase):
    def setUp(self):
        self.topo = Topology("rs", bridge=False).__enter__()
        self.addCleanup(self.topo.cleanup)
        self.host = self.topo.host("node")
        self.state_dir = tempfile.mkdtemp(prefix="director-rs-")
        self.addCleanup(shutil.rmtree, self.state_dir, True)

    def director(self, *args, check=True):
        return self.host.run([DIRECTOR, "realserver", *args, "--state-dir", self.state_dir], check=check)

    def sysctl(self, key):
        return self.host.run(["cat", f"/proc/sys/net/ipv4/conf/{key.replace('.', '/')}"]).stdout.strip()

    def set_sysctl(self, key, value):
        self.host.run(["sh", "-c", f"echo {value} > /proc/sys/net/ipv4/conf/{key.replace('.', '/')}"])

    def sysctls(self):
        return {k: self.sysctl(k) for k in KEYS}

    def test_up_binds_vip_and_suppresses_arp_then_down_restores_earlier_values(self):
        # Non-default starting values prove `down` restores what was there, not the kernel defaults.
        self.set_sysctl("all.arp_announce", 1)
        self.set_sysctl("lo.arp_ignore", 2)
        before = self.sysctls()

        self.director("up", "--vip", VIP)
        self.assertTrue(self.host.has_address(VIP, "lo"))
        self.assertIn(f"inet {VIP}/32 ", self.host.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"]).stdout)
        self.assertEqual(self.sysctls(), {"all.arp_ignore": "1", "all.arp_announce": "2",
                                          "lo.arp_ignore": "1", "lo.arp_announce": "2"})
        with open(os.path.join(self.state_dir, f"realserver-{VIP}.json")) as f:
            saved = {f"{e['dev']}.{e['name']}": e["value"] for e in json.load(f)["saved"]}
        self.assertEqual(saved, before)
        self.assertEqual(self.director("status", "--vip", VIP).returncode, 0)

        out = self.director("down", "--vip", VIP).stdout
        self.assertIn("removed", out)
        self.assertFalse(self.host.has_address(VIP, "lo"))
        self.assertEqual(self.sysctls(), before)
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, f"realserver-{VIP}.json")))
        status = self.director("status", "--vip", VIP, check=False)
        self.assertEqual(status.returncode, 3, status.stdout)

    def test_second_up_changes_nothing_and_keeps_the_original_saved_values(self):
        self.director("up", "--vip", VIP)
        state_file = os.path.join(self.state_dir, f"realserver-{VIP}.json")
        with open(state_file) as f:
            first = f.read()
        again = self.director("up", "--vip", VIP).stdout
        self.assertIn("nothing to change", again)
        with open(state_file) as f:
            self.assertEqual(f.read(), first)
        addrs = self.host.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"]).stdout
        self.assertEqual(addrs.count(f" {VIP}/32 "), 1)
        self.director("down", "--vip", VIP)
        self.assertEqual(self.sysctls(), {k: "0" for k in KEYS})

    def test_down_of_one_vip_keeps_arp_settings_another_vip_needs(self):
        other = "198.18.100.101"
        self.director("up", "--vip", VIP)
        self.director("up", "--vip", other)
        self.director("down", "--vip", VIP)
        self.assertFalse(self.host.has_address(VIP, "lo"))
        self.assertTrue(self.host.has_address(other, "lo"))
        self.assertEqual(self.sysctl("all.arp_ignore"), "1")
        self.assertEqual(self.sysctl("lo.arp_announce"), "2")
        self.director("down", "--vip", other)
        self.assertEqual(self.sysctls(), {k: "0" for k in KEYS})

    def test_dr_real_server_accepts_vip_traffic_but_never_answers_arp_for_it(self):
        # Client and real server on one L2 segment, as a DR director and its real servers are.
        topo = Topology("rsdr").__enter__()
        self.addCleanup(topo.cleanup)
        client = topo.host("client", "198.18.0.1/24")
        rs = topo.host("rs", "198.18.0.2/24")
        vip = "198.18.0.100"
        rs.run([DIRECTOR, "realserver", "up", "--vip", vip, "--state-dir", self.state_dir])
        client.run(["ip", "route", "add", f"{vip}/32", "dev", "eth0"])

        # arp_ignore=1: the VIP lives on lo, so an ARP request arriving on eth0 gets no answer.
        ping = client.run(["ping", "-c", "1", "-W", "2", vip], check=False)
        self.assertNotEqual(ping.returncode, 0, "real server answered ARP for the VIP")
        neigh = client.run(["ip", "neigh", "show", vip, "dev", "eth0"]).stdout
        self.assertNotIn("lladdr", neigh)

        # The director forwards to the real server's MAC: the real server accepts and answers.
        mac = rs.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        client.run(["ip", "neigh", "replace", vip, "lladdr", mac, "dev", "eth0", "nud", "permanent"])
        client.run(["ping", "-c", "1", "-W", "2", vip])

        rs.run([DIRECTOR, "realserver", "down", "--vip", vip, "--state-dir", self.state_dir])
        ping = client.run(["ping", "-c", "1", "-W", "1", vip], check=False)
        self.assertNotEqual(ping.returncode, 0, "VIP still accepted after down")

    def test_bad_flags_are_named_and_change_nothing(self):
        res = self.director("up", "--vip", "198.18.100", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("--vip 198.18.100", res.stderr)
        res = self.director("up", "--vip", VIP, "--dev", "nosuchdev0", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("--dev nosuchdev0", res.stderr)
        self.assertEqual(self.sysctls(), {k: "0" for k in KEYS})
        self.assertFalse(self.host.has_address(VIP))
        self.assertEqual(os.listdir(self.state_dir), [])

    def test_script_start_status_stop_wraps_the_subcommand(self):
        env = dict(os.environ, DIRECTOR=DIRECTOR, STATE_DIR=self.state_dir, VIP=VIP)
        self.assertEqual(self.host.run([SCRIPT, "status"], check=False, env=env).returncode, 3)
        self.host.run([SCRIPT], env=env)  # no argument means start, as seed 004 runs it
        self.assertTrue(self.host.has_address(VIP, "lo"))
        self.assertEqual(self.host.run([SCRIPT, "status"], check=False, env=env).returncode, 0)
        self.host.run([SCRIPT, "stop"], env=env)
        self.assertFalse(self.host.has_address(VIP, "lo"))
        self.assertEqual(self.sysctls(), {k: "0" for k in KEYS})


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("realserver_test: needs root (network namespaces); skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
