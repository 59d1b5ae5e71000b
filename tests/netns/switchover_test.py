#!/usr/bin/python3
"""Planned moves on a VRRP pair (root; namespaces only, 198.18.0.0/15). Hosts a (priority 200) and b
(priority 100, both preempting) share a bridge with an observer c:
- `director switchover` on the master: the peer is master within its Skew_Time + 0.1 s, the VIP was never
  absent from the segment, and the old master does not take it back although it outranks the peer;
- with no peer, switchover is refused ("no peer took over") and the VIP never left; on a backup it is
  refused with "not master"; no daemon at the socket is exit status 2;
- `director maintenance on` on the master hands over; the node, restarted (even after kill -9) with its
  higher priority and preempt, stays backup; `maintenance off` makes it preempt again;
- maintenance on a master with no peer keeps the VIP and refuses unless --force;
- a node returning with lvs_sync_daemon following its instance preempts only after sync_catchup;
- a damaged state file: the director says so and starts in maintenance, holding no VIP."""
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import (SLACK, VIP, ThreeHostCase, director_binary, instance_conf,  # noqa: E402
                          master_down, skew, wait_until)


def ctl(daemon, *args, timeout=30):
    return subprocess.run([director_binary(), *args, "--control-socket", daemon.sock], capture_output=True,
                          text=True, timeout=timeout)


class VipWatch:
    """Samples, every 10 ms, whether a or b holds the VIP; `gaps` counts samples where neither did."""

    def __init__(self, hosts):
        self.hosts, self.samples, self.gaps = hosts, 0, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            self.samples += 1
            if not any(h.has_address(VIP, "eth0") for h in self.hosts):
                self.gaps += 1
            time.sleep(0.01)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.gaps


class SwitchoverTest(ThreeHostCase):
    PREFIX = "swo"

    def pair(self):
        a = self.daemon(self.a, "a", instance_conf(200, "MASTER"))
        wait_until(lambda: a.state() == "MASTER", master_down(200) + 2, "a master")
        b = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: b.state() == "BACKUP", 5, "b backup")
        return a, b

    def test_switchover_hands_over_within_skew_time_and_does_not_preempt_back(self):
        a, b = self.pair()
        watch = VipWatch((self.a, self.b))
        t0 = time.monotonic()
        r = ctl(a, "switchover")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("new master 198.18.0.2", r.stdout)
        took_ms = int(r.stdout.split("hand-over took ")[1].split(" ms")[0])
        # Measured by the old master: its priority-0 advert to the peer's first master advert.
        self.assertLessEqual(took_ms, (skew(100) + 0.1) * 1000, r.stdout)
        wait_until(lambda: b.state() == "MASTER", 0.1, "b master when the command returned")
        self.assertLessEqual(time.monotonic() - t0, skew(100) + 0.1 + SLACK)
        wait_until(lambda: not self.a.has_address(VIP, "eth0"), 1, "a dropped the VIP")
        self.assertEqual(watch.finish(), 0, "the VIP was absent from both nodes during the hand-over")
        self.assertEqual(a.state(), "BACKUP")
        self.assertTrue(a.instance()["preempt_held"])
        # a outranks b and preempts, yet stays backup: several Master_Down_Intervals later nothing moved.
        time.sleep(2 * master_down(200))
        self.assertEqual((a.state(), b.state()), ("BACKUP", "MASTER"))
        self.assertIn("switchover: handed over to 198.18.0.2", a.log())

    def test_hold_lets_the_old_master_preempt_back_after_it(self):
        a, b = self.pair()
        r = ctl(a, "switchover", "--hold", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        time.sleep(2.5)
        self.assertEqual(a.state(), "BACKUP")
        wait_until(lambda: a.state() == "MASTER", 3 + master_down(200) + 1, "a preempts back after the hold")

    def test_switchover_without_peer_is_refused_and_the_vip_never_leaves(self):
        a = self.daemon(self.a, "a", instance_conf(200, "MASTER"))
        wait_until(lambda: a.state() == "MASTER", master_down(200) + 2, "a master")
        watch = VipWatch((self.a,))
        t0 = time.monotonic()
        r = ctl(a, "switchover")
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no peer took over", r.stderr)
        # It waited the longest Master_Down_Interval a peer can have, 3 * advert_int + 1 s, not more.
        self.assertGreaterEqual(took, 3.9)
        self.assertLess(took, 4 + SLACK + 0.5)
        self.assertEqual(watch.finish(), 0, "the VIP left during a refused switchover")
        self.assertEqual(a.state(), "MASTER")
        self.assertFalse(a.instance()["preempt_held"])

    def test_switchover_on_a_backup_says_not_master_and_no_daemon_is_exit_2(self):
        a, b = self.pair()
        r = ctl(b, "switchover")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not master", r.stderr)
        r = subprocess.run([director_binary(), "switchover", "--control-socket", os.path.join(self.wd, "none.sock")],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)
        r = ctl(a, "switchover", "--instance", "VI_9")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no vrrp_instance VI_9 (known: VI_1)", r.stderr)

    def test_maintenance_survives_a_kill_and_off_preempts_again(self):
        a, b = self.pair()
        r = ctl(a, "maintenance", "on")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("handed over to 198.18.0.2", r.stdout)
        self.assertEqual((a.state(), b.state()), ("BACKUP", "MASTER"))
        self.assertTrue(a.instance()["maintenance"])
        # Idempotent.
        r = ctl(a, "maintenance", "on")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already in maintenance", r.stdout)
        # Killed and restarted with priority 200 and preempt: it must not take the VIP.
        a.signal(signal.SIGKILL)
        a.wait_exit()
        a.start()
        wait_until(lambda: a.state() == "BACKUP", 5, "a back up as backup")
        time.sleep(master_down(200) + 2)
        self.assertEqual((a.state(), b.state()), ("BACKUP", "MASTER"))
        self.assertFalse(self.a.has_address(VIP, "eth0"))
        self.assertTrue(a.instance()["maintenance"])
        self.assertIn("IN MAINTENANCE", ctl(a, "status").stdout)
        # A reload keeps it.
        r = ctl(a, "reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(a.instance()["maintenance"])
        # Off: back in the election, and it outranks b.
        t0 = time.monotonic()
        r = ctl(a, "maintenance", "off")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: a.state() == "MASTER", master_down(200) + SLACK + 1, "a preempts after maintenance off")
        self.assertLessEqual(time.monotonic() - t0, master_down(200) + SLACK + 1)
        wait_until(lambda: b.state() == "BACKUP", 2, "b yields")

    def test_maintenance_without_peer_keeps_the_vip_unless_forced(self):
        a = self.daemon(self.a, "a", instance_conf(200, "MASTER"))
        wait_until(lambda: a.state() == "MASTER", master_down(200) + 2, "a master")
        r = ctl(a, "maintenance", "on")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no peer took over; --force drops the VIP anyway", r.stderr)
        self.assertEqual(a.state(), "MASTER")
        self.assertTrue(self.a.has_address(VIP, "eth0"))
        self.assertFalse(a.instance()["maintenance"])
        r = ctl(a, "maintenance", "on", "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(a.state(), "BACKUP")
        self.assertFalse(self.a.has_address(VIP, "eth0"))

    def test_returning_node_waits_sync_catchup_before_preempting(self):
        b = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: b.state() == "MASTER", master_down(100) + 2, "b master")
        t0 = time.monotonic()
        a = self.daemon(self.a, "a", instance_conf(200, extra="    sync_catchup 6\n",
                                                   globals_="    lvs_sync_daemon eth0 VI_1 id 3\n"))
        wait_until(lambda: a.state() == "MASTER", 6 + 1 + SLACK, "a preempts after the catch-up")
        took = time.monotonic() - t0
        # Preemption alone would have come after Master_Down_Interval (3.2 s); the catch-up holds it to 6 s.
        self.assertGreaterEqual(took, 6 - SLACK, f"preempted after {took:.2f} s")

    def test_damaged_state_file_starts_in_maintenance_with_a_clear_error(self):
        os.makedirs(os.path.join(self.wd, "a", "state"), exist_ok=True)
        with open(os.path.join(self.wd, "a", "state", "state.json"), "w") as f:
            f.write('{"format": 1, "maintenance": {')
        a = self.daemon(self.a, "a", instance_conf(200, "MASTER"))
        wait_until(lambda: a.state() == "BACKUP", 5, "a up")
        time.sleep(master_down(200) + 1)
        self.assertEqual(a.state(), "BACKUP")
        self.assertFalse(self.a.has_address(VIP, "eth0"))
        s = a.status()
        self.assertIn("state.json: not JSON", s["state_error"])
        self.assertIn("every vrrp_instance starts in maintenance", a.log())
        r = ctl(a, "maintenance", "off")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: a.state() == "MASTER", master_down(200) + SLACK + 1, "a master after maintenance off")
        self.assertNotIn("state_error", a.status())


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
