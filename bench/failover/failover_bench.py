#!/usr/bin/python3
"""VRRP failover drills: how long after the master dies (kill -9) or stops (SIGTERM) the backup holds the VIP,
for director and for keepalived in the same namespace topology, against RFC 3768's bounds
(kill -9: Master_Down_Interval = 3*advert_int + Skew_Time; SIGTERM: Skew_Time, via the priority-0 advert).

Topology: hosts a (198.18.0.1, MASTER priority 110) and b (198.18.0.2, BACKUP priority 100) on a bridge,
advert_int 1, PASS auth, VIP 198.18.0.100, and an observer c running tcpdump. A round: a is master, a is
killed/stopped (wall-clock time noted), then the failover time is taken from the wire: the capture
timestamp of b's first advert as master minus the moment of the signal. Both daemons add the VIP in the
same step as that first advert, and b holding the VIP is checked before the next round. Measuring on the
wire keeps the figure free of polling delays on a loaded machine. a is then started again and preempts
back before the next round.

Usage (root): bench/failover/failover_bench.py [--rounds N] [--kinds director,keepalived] [--director PATH]
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "netns"))
from vrrp_harness import (VIP, Daemon, Topology, add_bench_options, advert_times, bench_workdir,  # noqa: E402
                          finish_bench, instance_conf, wait_until)

SKEW_B = (256 - 100) / 256.0
MDI_B = 3 + SKEW_B


def first_advert_from_b_after(capture_path, t_kill):
    return next((ts for ts in advert_times(capture_path, "198.18.0.2") if ts > t_kill), None)


def drill(topo, wd, kind, sig, rounds, log):
    a, b, c = topo.hosts["a"], topo.hosts["b"], topo.hosts["c"]
    times = []
    capture_path = os.path.join(wd, f"{kind}-{sig}.tcpdump")
    with open(capture_path, "w") as out:
        c.popen(["tcpdump", "-i", "eth0", "-n", "-l", "-tt", "ip proto 112"], stdout=out, stderr=subprocess.DEVNULL)
    backup = Daemon(b, wd, f"{kind}-b-{sig}", instance_conf(100), kind).start()
    try:
        for r in range(rounds):
            master = Daemon(a, wd, f"{kind}-a-{sig}-{r}", instance_conf(110, "MASTER"), kind).start()
            # a preempts (or wins the first election) after its down interval; b must then release the VIP.
            wait_until(lambda: a.has_address(VIP, "eth0") and not b.has_address(VIP, "eth0"), 10, f"{kind}: a master, b backup")
            # Let a advertise a couple of times so b's down timer was just reset, as in steady state.
            time.sleep(1.5)
            t_kill = time.time()
            master.signal(signal.SIGKILL if sig == "kill9" else signal.SIGTERM)
            wait_until(lambda: b.has_address(VIP, "eth0"), 10, f"{kind}: b takes over")
            ts = wait_until(lambda: first_advert_from_b_after(capture_path, t_kill), 5, "b's advert captured")
            took = ts - t_kill
            times.append(took)
            log.write(f"{kind} {sig} round {r + 1}: {took:.3f}s\n")
            log.flush()
            # kill -9 leaves a's VIP; the next start removes it (director and keepalived both do).
            master.wait_exit(timeout=10)
    finally:
        for h in (a, b, c):
            h.kill_all()
            subprocess.run(["ip", "netns", "exec", h.ns, "ip", "addr", "del", f"{VIP}/24", "dev", "eth0"],
                           capture_output=True)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--drills", default="kill9,sigterm")
    add_bench_options(ap)
    args = ap.parse_args()
    wd = bench_workdir(args, "/tmp/vrrp-bench-", "network namespaces")
    results = []
    try:
        with Topology("vbench") as topo:
            topo.host("a", "198.18.0.1/24")
            topo.host("b", "198.18.0.2/24")
            topo.host("c", "198.18.0.3/24")
            for kind in args.kinds.split(","):
                for sig, bound in (("kill9", MDI_B), ("sigterm", SKEW_B)):
                    if sig not in args.drills.split(","):
                        continue
                    t = drill(topo, wd, kind, sig, args.rounds, sys.stderr)
                    results.append((kind, sig, bound, t))
    finally:
        finish_bench(args, wd)
    print(f"| peer | drill | rounds | RFC bound (s) | median (s) | worst (s) | worst - bound (ms) |")
    print(f"|---|---|---|---|---|---|---|")
    for kind, sig, bound, t in results:
        name = "kill -9" if sig == "kill9" else "SIGTERM"
        print(f"| {kind} | {name} | {len(t)} | {bound:.3f} | {statistics.median(t):.3f} | {max(t):.3f} | "
              f"{(max(t) - bound) * 1000:+.0f} |")


if __name__ == "__main__":
    main()
