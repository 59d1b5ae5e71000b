#!/usr/bin/python3
"""`director lab` and `director drill` on this machine (root; namespaces only, the lab's 198.18.10.0/24).

This kernel has no IPVS, so the lab runs VRRP and the SSL_GET checks and says that nothing is forwarded.
What is shown: `lab up` gives two directors with one master and healthy backends (asked of the daemons
themselves); a second `lab up` says it is already up; cutting the master's link moves the VIP within the
backup's Master_Down_Interval; `lab down` leaves no namespace, process, file or root-namespace address
behind, also after every lab process was killed with SIGKILL or an interrupted run; `director drill`
measures two switchovers (HTTPS servers on the directors stand in for the VIP's service: only the probe in
flight at a move may fail) and refuses on a
backup, without a peer and without a daemon.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from netns import wait_until  # noqa: E402
from vrrp_harness import SLACK, director_binary, master_down, skew  # noqa: E402

DIRECTOR = director_binary()
VIP = "198.18.10.100"


def root_namespace_view():
    """Addresses and links of the root namespace: the lab must not change them."""
    addrs = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    # Counters and flags of existing links change on their own; names and addresses must not.
    return sorted(line.split()[1] + " " + line.split()[3] for line in addrs.splitlines()), \
        sorted(line.split(":")[1].strip() for line in links.splitlines())


class LabTest(unittest.TestCase):
    def setUp(self):
        self.name = f"t{os.getpid() % 100000}"
        self.root = tempfile.mkdtemp(prefix="director-lab-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.addCleanup(self.safety_net)
        self.before = root_namespace_view()

    def safety_net(self):
        # Whatever happened above: no namespace of this test survives it.
        self.lab("down", check=False)
        for ns in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
            if ns.startswith(f"dlab-{self.name}-"):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def lab(self, *args, check=True, timeout=60):
        argv = [DIRECTOR, "lab", *args, "--name", self.name, "--dir", self.root]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            self.fail(f"{' '.join(argv)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def namespaces(self):
        return sorted(n for n in os.listdir("/run/netns") if n.startswith(f"dlab-{self.name}-")) \
            if os.path.isdir("/run/netns") else []

    def lab_pids(self):
        pids = set()
        for ns in self.namespaces():
            out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
            pids |= {int(p) for p in out.split()}
        return pids

    def daemon_status(self, node):
        sock = os.path.join(self.root, self.name, node, "control.sock")
        r = subprocess.run([DIRECTOR, "status", "--json", "--control-socket", sock], capture_output=True, text=True)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def vrrp_state(self, node):
        s = self.daemon_status(node)
        return s["vrrp"]["instances"][0]["state"] if s else None

    def holds_vip(self, node):
        out = subprocess.run(["ip", "-n", f"dlab-{self.name}-{node}", "-4", "-o", "addr", "show", "dev", "eth0"],
                             capture_output=True, text=True).stdout
        return f" {VIP}/" in out

    @staticmethod
    def running(pid):
        """Alive and not a zombie waiting for whoever inherited it."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (FileNotFoundError, ProcessLookupError):
            return False

    def assert_all_gone(self, pids):
        self.assertEqual(self.namespaces(), [])
        alive = [p for p in pids if self.running(p)]
        self.assertEqual(alive, [], "lab processes still running")
        self.assertFalse(os.path.exists(os.path.join(self.root, self.name)), "lab files left behind")
        self.assertEqual(root_namespace_view(), self.before, "the root namespace changed")

    def test_up_gives_one_master_and_healthy_backends_and_a_cut_master_link_moves_the_vip_in_time(self):
        r = self.lab("up", "--backends", "3")
        self.assertIn("no IPVS here", r.stdout)  # this kernel; said in one line, with the reason
        self.assertIn(f"VIP {VIP}:6443", r.stdout)
        states = {n: self.vrrp_state(n) for n in ("director-a", "director-b")}
        self.assertEqual(sorted(states.values()), ["BACKUP", "MASTER"], states)
        master = next(n for n, s in states.items() if s == "MASTER")
        other = next(n for n in states if n != master)
        # The daemons' own view: every backend checked (SSL_GET against the lab CA) and up.
        for node in states:
            rss = self.daemon_status(node)["lvs"]["membership"][0]["real_servers"]
            self.assertEqual(sorted(rs["address"] for rs in rss),
                             [f"198.18.10.{i}:6443" for i in (21, 22, 23)])
            for rs in rss:
                self.assertEqual(rs["state"], "up", rs)
                self.assertTrue(rs["checkers"][0]["last"]["ok"], rs)
        doc = json.loads(self.lab("status", "--json").stdout)
        self.assertEqual(doc["vip"], VIP)
        roles = {n["name"]: n for n in doc["nodes"]}
        self.assertEqual(roles[master]["state"], "MASTER")
        self.assertTrue(all(n["healthy"] for n in doc["nodes"] if n["role"] == "backend"))
        self.assertEqual(sorted(n["role"] for n in doc["nodes"]).count("director"), 2)

        again = self.lab("up")
        self.assertIn("already up", again.stdout)
        self.assertEqual(self.vrrp_state(master), "MASTER", "a second up must not disturb the first")

        t0 = time.monotonic()
        self.lab("fail", master)
        wait_until(lambda: self.vrrp_state(other) == "MASTER", master_down(100) + 2, f"{other} master")
        took = time.monotonic() - t0
        print(f"lab fail {master}: {other} master after {took:.2f}s (Master_Down_Interval {master_down(100):.2f}s)")
        self.assertLessEqual(took, master_down(100) + SLACK)
        wait_until(lambda: self.holds_vip(other) and not self.holds_vip(master), 2, "VIP on exactly one node")

        self.lab("fail", "backend-2")
        wait_until(lambda: not next(n for n in json.loads(self.lab("status", "--json").stdout)["nodes"]
                                    if n["name"] == "backend-2")["healthy"], 8, "backend-2 out")
        self.lab("heal", "backend-2")
        self.lab("heal", master)
        wait_until(lambda: self.vrrp_state(master) == "MASTER", master_down(150) + 3, f"{master} back")
        wait_until(lambda: all(n["healthy"] for n in json.loads(self.lab("status", "--json").stdout)["nodes"]
                               if n["role"] == "backend"), 8, "backend-2 back in")
        self.assertEqual(self.lab("fail", "client", check=False).returncode, 1)

        pids = self.lab_pids()
        self.assertGreaterEqual(len(pids), 5)  # two daemons, three HTTPS servers
        r = self.lab("down")
        self.assertIn("removed", r.stdout)
        self.assert_all_gone(pids)
        again = self.lab("down")
        self.assertIn("nothing to remove", again.stdout)

    def test_down_cleans_up_after_every_lab_process_was_killed_and_after_an_interrupted_up(self):
        self.lab("up", "--backends", "1")
        pids = self.lab_pids()
        for p in pids:
            os.kill(p, signal.SIGKILL)
        wait_until(lambda: not self.lab_pids(), 5, "lab processes gone")
        doc = json.loads(self.lab("status", "--json").stdout)
        self.assertEqual({n["state"] for n in doc["nodes"] if n["role"] == "director"}, {"no answer"})
        self.lab("down")
        self.assert_all_gone(pids)

        # A run interrupted before it wrote its manifest left one namespace: up refuses, down removes it.
        subprocess.run(["ip", "netns", "add", f"dlab-{self.name}-client"], check=True)
        r = self.lab("up", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("half there", r.stderr)
        self.lab("down")
        self.assert_all_gone(set())

    def test_drill_measures_two_switchovers_and_refuses_on_a_backup_without_a_peer_and_without_a_daemon(self):
        self.lab("up", "--backends", "1")
        lab_dir = os.path.join(self.root, self.name)
        pki = os.path.join(lab_dir, "pki")
        # No IPVS here: an HTTPS server on each director answers on the VIP where it lives (its
        # certificate, backend-1's, names the VIP).
        servers = []
        for node in ("director-a", "director-b"):
            servers.append(subprocess.Popen(
                ["ip", "netns", "exec", f"dlab-{self.name}-{node}", DIRECTOR, "lab", "serve", "--listen",
                 "0.0.0.0:8443", "--cert", f"{pki}/backend-1.crt", "--key", f"{pki}/backend-1.key", "--name", node],
                stdout=subprocess.PIPE, text=True, start_new_session=True))
            self.assertIn("serving", servers[-1].stdout.readline())
        for s in servers:
            self.addCleanup(s.stdout.close)
            self.addCleanup(s.wait)
            self.addCleanup(s.kill)
        sock_a = os.path.join(lab_dir, "director-a", "control.sock")
        sock_b = os.path.join(lab_dir, "director-b", "control.sock")
        client = f"dlab-{self.name}-client"

        def drill(sock, *extra):
            return subprocess.run(["ip", "netns", "exec", client, DIRECTOR, "drill", "--control-socket", sock,
                                   "--probe", f"https://{VIP}:8443/healthz", "--ca", f"{pki}/ca.crt", *extra],
                                  capture_output=True, text=True, timeout=120)

        r = drill(sock_a, "--rounds", "2", "--hold", "1", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["instance"], "VI_1")
        self.assertEqual(len(doc["rounds"]), 2)
        for rd in doc["rounds"]:
            print(f"drill round {rd['round']}: peer advert {rd['peer_first_master_advert_ms']} ms, "
                  f"gap {rd['gap_ms']} ms, {rd['failed_probes']}/{rd['probes']} failed, back {rd['back_ms']} ms")
            self.assertEqual(rd["peer"], "198.18.10.12")
            self.assertEqual(rd["skew_time_ms"], int(skew(100) * 1000))
            self.assertLessEqual(rd["peer_first_master_advert_ms"], (skew(100) + SLACK) * 1000)
            self.assertGreaterEqual(rd["probes"], 40)  # 50 ms cadence over > 2 s
            # Make before break: the VIP never goes unanswered. Only the probe in flight at each move may
            # fail (its server, on the other director, is no longer where the VIP is; reset or timed out),
            # so at most one per move and never two in a row; with IPVS and shared backends (the VM lab
            # test) none fails.
            # Under the sanitizers a probe's handshake and request take several times longer, so more than
            # one can be in flight at a move: a few more may fail there, still never the VIP going dark (gap).
            in_flight = 4 if "ASAN_OPTIONS" in os.environ else 2
            self.assertLessEqual(rd["failed_probes"], in_flight, rd["failures"])
            self.assertLessEqual(rd["gap_ms"], 100, rd["failures"])
            self.assertTrue(rd["gap_within_bound"])
            # The long-lived connection was to director-a's own server, gone from the VIP after the move:
            # the drill must see it break, not report it as fine.
            self.assertIs(rd["long_lived_survived"], False)
            self.assertIn("long_lived_error", rd)
        self.assertEqual(self.vrrp_state("director-a"), "MASTER")

        r = drill(sock_b)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not master", r.stderr)
        self.lab("fail", "director-b")
        r = drill(sock_a)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no peer took over", r.stderr)
        self.assertTrue(self.holds_vip("director-a"))
        r = drill(os.path.join(self.root, "nothing.sock"))
        self.assertEqual(r.returncode, 2)
        r = self.lab("drill", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no IPVS", r.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("lab_test: needs root (network namespaces); skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
