#!/usr/bin/python3
"""`director events` on a VRRP pair (root; namespaces only, 198.18.0.0/15): the history holds each state
change with its reason, a reload and a switchover with their results, in order and timestamped; --json
gives one object per line; --follow prints an event that happens after it started; no daemon is exit 2."""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import ThreeHostCase, director_binary, instance_conf, master_down, wait_until  # noqa: E402


def events(d, *extra):
    return subprocess.run([director_binary(), "events", "--control-socket", d.sock, *extra], capture_output=True,
                          text=True, timeout=20)


class EventsTest(ThreeHostCase):
    PREFIX = "evt"

    def test_history_and_follow(self):
        a = self.daemon(self.a, "a", instance_conf(150, "MASTER"))
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        b = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: b.state() == "BACKUP", 5, "b backup")
        follow_out = open(os.path.join(self.wd, "follow.txt"), "w")
        follow = subprocess.Popen([director_binary(), "events", "--follow", "--json", "--control-socket", a.sock],
                                  stdout=follow_out, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(follow_out.close)
        self.addCleanup(follow.wait)
        self.addCleanup(follow.kill)
        r = subprocess.run([director_binary(), "reload", "--control-socket", a.sock], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([director_binary(), "switchover", "--control-socket", a.sock], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

        lines = events(a).stdout.splitlines()
        text = "\n".join(lines)
        self.assertIn("vrrp VI_1: INIT -> BACKUP (startup: waiting Master_Down_Interval for a better master)", text)
        self.assertIn("vrrp VI_1: BACKUP -> MASTER (Master_Down_Timer expired)", text)
        self.assertIn("reload " + a.conf + ": applied (nothing changed)", text)
        self.assertIn("switchover VI_1: done (198.18.0.2 (priority 100) is master)", text)
        self.assertIn("vrrp VI_1: MASTER -> BACKUP (switchover: handed over to 198.18.0.2 (priority 100))", text)
        as_json = [json.loads(l) for l in events(a, "--json").stdout.splitlines()]
        self.assertEqual([e["seq"] for e in as_json], sorted(e["seq"] for e in as_json))
        self.assertTrue(all(e["at"].endswith("Z") for e in as_json))
        # --follow, started before the reload, printed the reload, the switchover and the state change.
        def followed():
            with open(follow_out.name) as f:
                return [json.loads(l) for l in f.read().splitlines() if l.strip()]
        wait_until(lambda: any(e["kind"] == "switchover" for e in followed()), 3, "follow saw the switchover")
        kinds = [e["kind"] for e in followed()]
        self.assertLess(kinds.index("reload"), kinds.index("switchover"))
        self.assertEqual(len(followed()), len({e["seq"] for e in followed()}), "an event printed twice")
        r = subprocess.run([director_binary(), "events", "--control-socket", os.path.join(self.wd, "none.sock")],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
