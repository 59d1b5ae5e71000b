#!/usr/bin/python3
"""RSS and CPU of `director care` over time (run inside the VM of tests/kernel: it needs IPVS).

For each real-server count, starts that many HTTP real servers on 127.0.0.1, runs
`director care --vs 169.254.0.1:80 --rs ... --health-schem http --health-path / --mode link --interval 5`
for the given duration, samples /proc every 5 s, and prints a Markdown table row per count: peak and final
RSS, CPU seconds of the daemon itself and of the iptables/ipset it ran, CPU as % of one core, rounds run,
CPU milliseconds per round (daemon + helpers) and the programs it started (director_care_helper_runs_total
from its /metrics; "n/a" for a build without that counter).

Usage: care_bench.py [--seconds 600] [--counts 3,100]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DIRECTOR = os.environ.get("DIRECTOR_BIN", os.path.join(HERE, "..", "..", "build", "bin", "director"))
TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    """(own, children) CPU seconds from /proc/PID/stat."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return (utime + stime) / TICK, (cutime + cstime) / TICK


def rss_kib(pid):
    return int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1))


METRICS = "127.0.0.1:9559"


def counters():
    """rounds and helper runs from the daemon's /metrics (helper runs None when the build lacks the counter)."""
    text = urllib.request.urlopen(f"http://{METRICS}/metrics", timeout=30).read().decode()
    got = {}
    for name in ("rounds", "helper_runs"):
        m = re.search(rf"^director_care_{name}_total (\S+)$", text, re.M)
        got[name] = int(float(m.group(1))) if m else None
    return got


def run(count, seconds):
    first = 20000
    servers = subprocess.Popen([sys.executable, os.path.join(HERE, "multi_echo.py"), str(first), str(count)],
                               stdout=subprocess.PIPE, text=True)
    assert servers.stdout.readline().strip() == "ready"
    argv = [DIRECTOR, "care", "--vs", "169.254.0.1:80", "--health-schem", "http", "--health-path", "/",
            "--mode", "link", "--interval", "5", "--metrics-listen", METRICS]
    for i in range(count):
        argv += ["--rs", f"127.0.0.1:{first + i}"]
    care = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, start = 0, time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            time.sleep(5)
            assert care.poll() is None, "director care exited"
            peak = max(peak, rss_kib(care.pid))
        final = rss_kib(care.pid)
        own, children = cpu(care.pid)
        c = counters()
        dests = subprocess.run(["ipvsadm", "-Ln", "-t", "169.254.0.1:80"], capture_output=True, text=True).stdout
        healthy = sum(1 for line in dests.splitlines() if re.search(r"Masq\s+1\s", line))
    finally:
        care.send_signal(signal.SIGTERM)
        care.wait(timeout=10)
        servers.kill()
        servers.wait()
        subprocess.run([DIRECTOR, "care", "--vs", "169.254.0.1:80", "--mode", "link", "-C"], capture_output=True)
    elapsed = time.monotonic() - start
    total = own + children
    spawns = "n/a" if c["helper_runs"] is None else str(c["helper_runs"])
    print(f"| {count} | {elapsed:.0f} | {peak / 1024:.1f} | {final / 1024:.1f} | {own:.2f} | {children:.2f} | "
          f"{100 * total / elapsed:.2f} | {c['rounds']} | {1000 * total / max(c['rounds'], 1):.0f} | {spawns} | "
          f"{healthy}/{count} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--counts", default="3,100")
    args = ap.parse_args()
    print("| real servers | seconds | peak RSS MiB | final RSS MiB | CPU s (daemon) | CPU s (iptables/ipset) | "
          "CPU % of a core | rounds | CPU ms per round | spawns | healthy at end |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.counts.split(","):
        run(int(n), args.seconds)


if __name__ == "__main__":
    main()
