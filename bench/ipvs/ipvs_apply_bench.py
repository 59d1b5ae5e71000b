#!/usr/bin/python3
"""IPVS apply speed: director against ipvsadm-restore on the same kernel, same rules.

Run (from the repo, after building build/bin/director):
    tests/kernel/run-in-vm.sh --timeout 1500 --env DIRECTOR_BIN=$PWD/build/bin/director -- bench/ipvs/ipvs_apply_bench.py

Inside a fresh network namespace (its own IPVS table) it measures, REPEAT times each, median reported:
  cold      1,000 services x 10 real servers into an empty table
            - director: `director run` on a keepalived config; the time its first reconcile took (list the
              kernel, plan, apply pipelined), as it logs it, and the wall time from exec to that log line
            - ipvsadm-restore < the same rules (11,000 lines)
            - director ipvs restore < the same rules (the pipelined client alone)
  1% change 110 real servers get a new weight while the 1,000 services stay
            - director: restart on the edited config (adopt 1,000 services, edit 110) - a full reconcile
            - ipvsadm-restore < the whole edited rule set (ipvsadm -R flushes the table first, so this is
              how ipvsadm-restore applies any change; counters restart)
            - 110 `ipvsadm -e` commands from a shell script (its best case: someone else computed the diff)
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "lib"))
from netns import Topology, wait_until  # noqa: E402

DIRECTOR = os.environ.get("DIRECTOR_BIN") or os.path.join(os.getcwd(), "build", "bin", "director")
SERVICES, REALS, REPEAT = 1000, 10, int(os.environ.get("REPEAT", "3"))
WORK = tempfile.mkdtemp(prefix="ipvs-bench-")


def vip(i):
    return f"198.18.{i // 250}.{i % 250 + 1}"


def rip(i, j):
    n = i * REALS + j
    return f"198.19.{n // 250}.{n % 250 + 1}"


def changed(i, j):
    return (i * REALS + j) % 100 == 0  # 1% of the real servers


def write_config(path, weight_of):
    with open(path, "w") as f:
        for i in range(SERVICES):
            f.write(f"virtual_server {vip(i)} 80 {{\n  delay_loop 600\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n")
            for j in range(REALS):
                f.write(f"  real_server {rip(i, j)} 80 {{\n    weight {weight_of(i, j)}\n  }}\n")
            f.write("}\n")


def write_rules(full_path, edited_path, delta_path):
    for path, weight in ((full_path, lambda i, j: 1), (edited_path, lambda i, j: 2 if changed(i, j) else 1)):
        with open(path, "w") as f:
            for i in range(SERVICES):
                f.write(f"-A -t {vip(i)}:80 -s rr\n")
                for j in range(REALS):
                    f.write(f"-a -t {vip(i)}:80 -r {rip(i, j)}:80 -m -w {weight(i, j)}\n")
    with open(delta_path, "w") as f:
        for i in range(SERVICES):
            for j in range(REALS):
                if changed(i, j):
                    f.write(f"ipvsadm -e -t {vip(i)}:80 -r {rip(i, j)}:80 -m -w 2\n")


def timed(host, argv, stdin_path):
    with open(stdin_path) as f:
        t0 = time.monotonic()
        host.run(argv, stdin=f)
        return time.monotonic() - t0


def count_dests(host):
    out = host.run(["ipvsadm", "-Ln"]).stdout
    return out.count("Masq")


def director_run(host, conf, tag):
    log = os.path.join(WORK, f"{tag}.log")
    with open(log, "w") as lf:
        t0 = time.monotonic()
        p = host.popen([DIRECTOR, "run", "-f", conf, "--pid-file", os.path.join(WORK, "d.pid"),
                        "--control-socket", os.path.join(WORK, "d.sock")], stdout=lf, stderr=lf)
        pat = re.compile(r"adopted (\d+) already in the kernel, (\d+) added, (\d+) edited, (\d+) deleted in ([0-9.]+) ms")
        m = wait_until(lambda: pat.search(open(log).read()), 600, f"first reconcile in {log}", interval=0.005)
        wall = time.monotonic() - t0
    os.killpg(p.pid, signal.SIGKILL)  # leave the rules for the next step
    p.wait()
    return float(m.group(5)) / 1000.0, wall, tuple(int(m.group(k)) for k in (1, 2, 3, 4))


def main():
    base, edited = os.path.join(WORK, "base.conf"), os.path.join(WORK, "edited.conf")
    full, edited_rules = os.path.join(WORK, "full.rules"), os.path.join(WORK, "edited.rules")
    delta = os.path.join(WORK, "delta.sh")
    write_config(base, lambda i, j: 1)
    write_config(edited, lambda i, j: 2 if changed(i, j) else 1)
    write_rules(full, edited_rules, delta)
    res = {k: [] for k in ("d_cold", "d_cold_wall", "d_delta", "d_delta_wall", "a_cold", "a_delta", "a_delta_cmds",
                           "r_cold")}
    with Topology("bench", bridge=False) as t:
        h = t.host("lb")
        for _ in range(REPEAT):
            h.run(["ipvsadm", "-C"])
            took, wall, counts = director_run(h, base, "cold")
            assert counts == (0, SERVICES * (REALS + 1), 0, 0), counts
            assert count_dests(h) == SERVICES * REALS
            res["d_cold"].append(took)
            res["d_cold_wall"].append(wall)
            took, wall, counts = director_run(h, edited, "delta")
            assert counts == (SERVICES, 0, SERVICES * REALS // 100, 0), counts
            res["d_delta"].append(took)
            res["d_delta_wall"].append(wall)

            h.run(["ipvsadm", "-C"])
            res["a_cold"].append(timed(h, ["ipvsadm-restore"], full))
            assert count_dests(h) == SERVICES * REALS
            res["a_delta"].append(timed(h, ["ipvsadm-restore"], edited_rules))
            assert h.run(["ipvsadm", "-Ln"]).stdout.count("Masq    2 ") == SERVICES * REALS // 100
            h.run(["ipvsadm", "-C"])
            h.run(["ipvsadm-restore"], stdin=open(full))
            res["a_delta_cmds"].append(timed(h, ["sh"], delta))
            assert h.run(["ipvsadm", "-Ln"]).stdout.count("Masq    2 ") == SERVICES * REALS // 100

            h.run(["ipvsadm", "-C"])
            res["r_cold"].append(timed(h, [DIRECTOR, "ipvs", "restore"], full))
            assert count_dests(h) == SERVICES * REALS
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"IPVS apply, {SERVICES} services x {REALS} real servers, median of {REPEAT} (seconds):")
    print(f"  cold   director reconcile        {med['d_cold']:.3f}  (exec to applied: {med['d_cold_wall']:.3f})")
    print(f"  cold   director ipvs restore     {med['r_cold']:.3f}")
    print(f"  cold   ipvsadm-restore           {med['a_cold']:.3f}")
    print(f"  1%     director reconcile        {med['d_delta']:.3f}  (exec to applied: {med['d_delta_wall']:.3f})")
    print(f"  1%     ipvsadm-restore (full)    {med['a_delta']:.3f}")
    print(f"  1%     110 x ipvsadm -e          {med['a_delta_cmds']:.3f}")
    print(f"  ratio cold  ipvsadm-restore / director reconcile = {med['a_cold'] / med['d_cold']:.2f}")
    print(f"  ratio cold  ipvsadm-restore / director ipvs restore = {med['a_cold'] / med['r_cold']:.2f}")
    print(f"  ratio 1%    ipvsadm-restore / director reconcile = {med['a_delta'] / med['d_delta']:.2f}")
    print(f"  ratio 1%    110 x ipvsadm -e / director reconcile = {med['a_delta_cmds'] / med['d_delta']:.2f}")
    print("raw", res)


if __name__ == "__main__":
    main()
