#!/usr/bin/python3
"""Live reload of a large config on a VRRP master: how long `director reload` takes (request to "applied",
the IPVS pass included) and the largest gap between the master's adverts on the wire meanwhile.

Topology (root, network namespaces, 198.18.0.0/15): host a runs the director as MASTER (priority 150,
advert_int 1, VIP 198.18.0.100) with N TCP services x 10 NAT real servers on other addresses; an observer
c captures a's adverts (tcpdump -tt). For each size and each variant (the file rewritten with nothing
changed; 1% of the real servers' weights changed) a round writes the file, runs `director reload`, takes
the time the reload reports, and reads the largest advert gap from the capture over the window from one
advert interval before the reload to two after it.

Where IPVS exists (the tests/kernel VM) the table is programmed for real; on a host without IPVS the
figure covers reading, checking, diffing and applying the config, and VRRP.

Usage: bench/reload/reload_bench.py [--sizes 1000,4000] [--rounds 3] [--director PATH]
  in the VM: tests/kernel/run-in-vm.sh --timeout 3000 --mem 4096 --env DIRECTOR_BIN=$PWD/build/bin/director \\
             -- bench/reload/reload_bench.py
"""
import argparse
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "netns"))
from reload_test import advert_times, conf, large_services, reload, write  # noqa: E402
from vrrp_harness import Capture, Daemon, Topology, make_workdir, remove_workdir, wait_until  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,4000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--director")
    args = ap.parse_args()
    if args.director:
        os.environ["DIRECTOR_BIN"] = os.path.abspath(args.director)
    rows = []
    with Topology("rlb") as topo:
        a = topo.host("a", "198.18.0.1/24")
        c = topo.host("c", "198.18.0.3/24")
        for n in (int(x) for x in args.sizes.split(",")):
            wd = make_workdir("/tmp/reload-bench-")
            base = conf(150, "MASTER", services=large_services(n, 10))
            changed = conf(150, "MASTER", services=large_services(n, 10, changed=max(1, n // 100)))
            d = Daemon(a, wd, "a", base).start()
            try:
                # Read from the log: the status document lists every rule, slow to fetch at 44,000 of them.
                wait_until(lambda: "BACKUP -> MASTER" in d.log(), 900, f"master with {n} services", interval=1)
                wait_until(lambda: "virtual server(s): adopted" in d.log() or " error ipvs: " in d.log(), 900,
                           "first IPVS pass (or its error: no IPVS here)", interval=1)
                ipvs = "virtual server(s): adopted" in d.log()
                cap = Capture(c, wd, "wire", "ip proto 112", extra=("-tt",))
                time.sleep(2.5)
                for label, text in (("nothing changed", base), ("1% changed", changed)):
                    took, gaps = [], []
                    for r in range(args.rounds):
                        # Alternate so that every round of "1% changed" really changes 1%.
                        if label == "1% changed" and r % 2 == 1:
                            write(d, base)
                            assert reload(d, timeout=900).returncode == 0
                            time.sleep(1.2)
                        write(d, text if label != "nothing changed" else text + f"# round {r}\n")
                        t0 = time.time()
                        res = reload(d, timeout=900)
                        t1 = time.time()
                        assert res.returncode == 0, res.stderr
                        m = re.search(r"in ([0-9.]+) ms", res.stdout)
                        took.append(float(m.group(1)) if m else 1000 * (t1 - t0))
                        time.sleep(2.5)
                        times = [t for t in advert_times(cap.lines(), "198.18.0.1") if t0 - 1.2 <= t <= t1 + 2.2]
                        gaps.append(max(b - x for x, b in zip(times, times[1:])) if len(times) > 1 else float("nan"))
                    rows.append((n, label, "real IPVS" if ipvs else "no IPVS", statistics.median(took), max(took),
                                 statistics.median(gaps), max(gaps)))
                    print(f"{n} x 10, {label}: reload median {rows[-1][3]:.0f} ms, worst {rows[-1][4]:.0f} ms; "
                          f"advert gap median {1000 * rows[-1][5]:.0f} ms, worst {1000 * rows[-1][6]:.0f} ms",
                          flush=True)
            finally:
                d.signal(15)
                d.wait_exit(timeout=300)
                a.kill_all()
                c.kill_all()
                remove_workdir(wd)
    print("\n| real servers | change | kernel | reload median (ms) | reload worst (ms) | advert gap median (ms) "
          "| advert gap worst (ms) |\n|---|---|---|---|---|---|---|")
    for n, label, kernel, tm, tw, gm, gw in rows:
        print(f"| {n} x 10 | {label} | {kernel} | {tm:.0f} | {tw:.0f} | {1000 * gm:.0f} | {1000 * gw:.0f} |")


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    main()
