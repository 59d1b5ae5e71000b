#!/usr/bin/python3
"""Advert timing under CPU load: with every core saturated by ordinary processes, how far apart does a
master send its adverts? RFC 3768 has the master advertise every advert_int; a backup declares it dead
after 3 x advert_int + Skew_Time, so late adverts eat into that margin and, at worst, cause a false
failover. director and keepalived are measured in the same run, each with and without vrrp_rt_priority.

Topology: host a (198.18.0.1, MASTER priority 110, advert_int 1, PASS auth, one VIP) and an observer c on a
bridge in network namespaces; c captures the adverts with tcpdump (-tt: kernel receive timestamps). For
each row, a's daemon starts alone, becomes master, then 2 x nproc busy loops (`sha256sum /dev/zero`, nice 0,
in the root namespace) run for the whole window; the gaps between a's consecutive adverts are reported.

Usage (root): bench/vrrp_load/advert_gap_bench.py [--seconds 60] [--kinds director,keepalived]
              [--modes default,rt] [--rt-priority 50] [--director PATH]
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

MASTER_IP = "198.18.0.1"


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def start_load(n):
    # Ordinary processes, as a busy node's would be: nothing here is realtime.
    return [subprocess.Popen(["sha256sum", "/dev/zero"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(n)]


def stop_load(procs):
    for p in procs:
        p.kill()
    for p in procs:
        p.wait()


def measure(topo, wd, kind, mode, seconds, rt_priority, load_procs):
    a, c = topo.hosts["a"], topo.hosts["c"]
    capture_path = os.path.join(wd, f"{kind}-{mode}.tcpdump")
    with open(capture_path, "w") as out:
        cap = c.popen(["tcpdump", "-i", "eth0", "-n", "-l", "-tt", "ip proto 112"], stdout=out,
                      stderr=subprocess.DEVNULL)
    globals_ = f"    vrrp_rt_priority {rt_priority}" if mode == "rt" else ""
    master = Daemon(a, wd, f"{kind}-{mode}", instance_conf(110, "MASTER", globals_=globals_), kind).start()
    load = []
    try:
        wait_until(lambda: a.has_address(VIP, "eth0"), 15, f"{kind}: a master")
        time.sleep(2)  # a few adverts in steady state first
        load = start_load(load_procs)
        t0 = time.time()
        time.sleep(seconds)
        t1 = time.time()
    finally:
        stop_load(load)
        master.signal(signal.SIGTERM)
        master.wait_exit(timeout=10)
        cap.terminate()
        cap.wait()
        subprocess.run(["ip", "netns", "exec", a.ns, "ip", "addr", "del", f"{VIP}/24", "dev", "eth0"],
                       capture_output=True)
    times = [t for t in advert_times(capture_path, MASTER_IP) if t0 <= t <= t1]
    return [b - a_ for a_, b in zip(times, times[1:])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--modes", default="default,rt")
    ap.add_argument("--rt-priority", type=int, default=50)
    ap.add_argument("--load", type=int, default=2 * (os.cpu_count() or 1), help="busy processes (2 x nproc)")
    add_bench_options(ap)
    args = ap.parse_args()
    wd = bench_workdir(args, "/tmp/vrrp-load-bench-", "network namespaces, SCHED_RR")
    rows = []
    try:
        with Topology("vload") as topo:
            topo.host("a", MASTER_IP + "/24")
            topo.host("c", "198.18.0.3/24")
            for kind in args.kinds.split(","):
                for mode in args.modes.split(","):
                    gaps = measure(topo, wd, kind, mode, args.seconds, args.rt_priority, args.load)
                    if not gaps:
                        sys.exit(f"{kind} {mode}: no adverts captured")
                    rows.append((kind, mode, gaps))
                    sys.stderr.write(f"{kind} {mode}: {len(gaps)} gaps, p99 {percentile(gaps, 0.99) * 1000:.1f} ms\n")
    finally:
        finish_bench(args, wd)
    print(f"{args.load} busy processes on {os.cpu_count()} cores, {args.seconds} s per row, advert_int 1 s")
    print()
    print("| daemon | scheduling | adverts | median gap (ms) | p99 gap (ms) | worst gap (ms) | gaps over 1,020 ms |")
    print("|---|---|---|---|---|---|---|")
    for kind, mode, gaps in rows:
        sched = f"vrrp_rt_priority {args.rt_priority}" if mode == "rt" else "default"
        late = sum(1 for g in gaps if g > 1.020)
        print(f"| {kind} | {sched} | {len(gaps) + 1} | {statistics.median(gaps) * 1000:.1f} | "
              f"{percentile(gaps, 0.99) * 1000:.1f} | {max(gaps) * 1000:.1f} | {late} |")


if __name__ == "__main__":
    main()
