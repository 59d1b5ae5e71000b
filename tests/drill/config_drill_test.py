#!/usr/bin/python3
"""Hostile configs against a running master (root; namespaces only, 198.18.0.0/15): the master's file is
replaced by a 50 MB file, a file that includes itself, and a file with 10,000 includes, each followed by
`director reload`. Each is refused with its file:line reason (exit 1), nothing of it is applied, the daemon's
memory stays bounded, and the adverts captured on the observer c keep their one-second rhythm; the good file
put back reloads fine."""
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from vrrp_harness import (Capture, ThreeHostCase, director_binary, instance_conf, master_down,  # noqa: E402
                          read_pid, rss_kib, wait_until)


class ConfigDrill(ThreeHostCase):
    PREFIX = "drf"

    def reload(self, d):
        return subprocess.run([director_binary(), "reload", "--control-socket", d.sock], capture_output=True,
                              text=True, timeout=60)

    def test_hostile_configs_are_refused_and_the_master_keeps_advertising(self):
        good = instance_conf(150, "MASTER")
        a = self.daemon(self.a, "a", good)
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        pid = read_pid(a)
        cap = Capture(self.c, self.wd, "adverts", "ip proto 112", extra=("-tt",))
        start, rss0 = time.time(), rss_kib(pid)
        incl = os.path.join(self.wd, "many")
        os.makedirs(incl)
        for i in range(10000):
            with open(os.path.join(incl, f"{i:05}.conf"), "w") as f:
                f.write("# nothing\n")
        cases = {
            "50 MB": good + ("# " + "x" * 1021 + "\n") * (50 * 1024),
            "includes itself": good + f"include {a.conf}\n",
            "10,000 includes": good + f"include {incl}/*.conf\n",
        }
        results = {}
        for name, text in cases.items():
            with open(a.conf, "w") as f:
                f.write(text)
            t0 = time.monotonic()
            r = self.reload(a)
            results[name] = (r.returncode, time.monotonic() - t0, (r.stdout + r.stderr).strip().splitlines())
        with open(a.conf, "w") as f:
            f.write(good)
        ok = self.reload(a)
        time.sleep(1.2)  # one more advert after the last reload
        end, rss1 = time.time(), rss_kib(pid)
        stamps = [float(line.split()[0]) for line in cap.lines()
                  if line[:1].isdigit() and start <= float(line.split()[0]) <= end]
        gaps = [y - x for x, y in zip(stamps, stamps[1:])]
        for name, (rc, took, lines) in results.items():
            first = next((line for line in lines if ": " in line), lines[0] if lines else "")
            print(f"  {name:16} exit {rc} after {took:.2f} s: {first[:150]}")
        print(f"RSS {rss0} -> {rss1} KiB; {len(stamps)} adverts, longest gap {max(gaps):.3f} s")
        self.assertEqual({n: r[0] for n, r in results.items()}, {n: 1 for n in cases})
        joined = {n: "\n".join(r[2]) for n, r in results.items()}
        self.assertIn("16 MiB", joined["50 MB"])
        self.assertIn("include loop", joined["includes itself"])
        self.assertIn("more than 1000 config files included", joined["10,000 includes"])
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(a.state(), "MASTER")
        self.assertLess(rss1 - rss0, 64 * 1024, "memory bounded")
        self.assertLess(max(gaps), 1.1, "adverts stay on time")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
