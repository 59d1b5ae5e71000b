#!/usr/bin/python3
"""Health-check cost: director against keepalived, SSL_GET on the same local TLS servers, one run.

Run (from the repo, after building build/bin/director; IPVS is needed by keepalived, so in the VM):
    tests/kernel/run-in-vm.sh --timeout 1500 --env DIRECTOR_BIN=$PWD/build/bin/director -- bench/healthcheck/hc_bench.py
director alone (ONLY=director) needs no IPVS; on this host, inside a namespace of its own:
    ip netns add hc && ip -n hc link set lo up && ONLY=director ip netns exec hc bench/healthcheck/hc_bench.py

nginx serves HTTPS on N (default 1,000) loopback ports with a test-CA certificate carrying IP SAN
127.0.0.1. The same keepalived config (one virtual_server, N real servers, SSL_GET /healthz, delay_loop
DELAY, top-level SSL { ca }) is run by `director run` and then by `keepalived -C` (checker only). For each:
after WARMUP seconds, CPU seconds (utime+stime of every daemon process) and the number of checks
(requests nginx logged) over WINDOW seconds give CPU seconds per 1,000 checks; RSS (all daemon processes)
is sampled every 5 s over the window (flat or growing) and read at the end, with each process's peak
(VmHWM, startup included). BY_MAPPING=1 also prints, for each daemon process at the end of the window,
its RSS by mapped object (the binary, each library, [heap], [stack], anonymous) from /proc/PID/smaps,
with the private dirty and anonymous part of each: what the RSS is made of.
director verifies certificates (CA given), keeps each connection open between checks (MODES=keepalive,
its default) or makes a new connection per check resuming the TLS session (MODES=per-check, i.e.
`keepalive_requests 1`; MODES=keepalive,per-check runs both); keepalived does a full unverified
handshake per check.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from nginx_tls import cpu_seconds, log_lines
import nginx_tls

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DIRECTOR = os.environ.get("DIRECTOR_BIN") or os.path.join(ROOT, "build", "bin", "director")
N = int(os.environ.get("N", "1000"))
DELAY = int(os.environ.get("DELAY", "10"))
WARMUP = int(os.environ.get("WARMUP", "15"))
WINDOW = int(os.environ.get("WINDOW", "40"))
BY_MAPPING = os.environ.get("BY_MAPPING", "") not in ("", "0")
ONLY = os.environ.get("ONLY", "")  # "director": director alone (its checks need no IPVS), e.g. in a namespace
# director's runs: "keepalive" (its default: each checker keeps its connection between checks) and/or
# "per-check" (`keepalive_requests 1`: a new, resumed, connection per check, as keepalived connects anew).
MODES = os.environ.get("MODES", "keepalive").split(",")
# DIRECTOR_PREFIX="heaptrack -o /tmp/director.heaptrack": director's runs under a profiler (its figures
# are then the profiler's and the daemon's together).
PREFIX = os.environ.get("DIRECTOR_PREFIX", "").split()
BASE_PORT = 20000
WORK = tempfile.mkdtemp(prefix="hc-bench-")


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_by_mapping(pid):
    """{object: [Rss, Private_Dirty, Anonymous]} in KiB, object = file name, [heap], [stack] or [anon]."""
    out = {}
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):
                cur = os.path.basename(head[5]) if len(head) > 5 else "[anon]"
                out.setdefault(cur, [0, 0, 0])
            elif head[0] in ("Rss:", "Private_Dirty:", "Anonymous:"):
                out[cur][("Rss:", "Private_Dirty:", "Anonymous:").index(head[0])] += int(head[1])
    return out


def children(pid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(p))
            except OSError:
                pass
    return out


def stop(proc, profiled):
    """Stops a daemon started by measure(). Under a profiler (DIRECTOR_PREFIX) only director itself is
    signalled: the profiler's own processes, in the same group, write its data once director exited."""
    if not profiled:
        return nginx_tls.stop(proc)
    for pid in children(proc.pid):
        try:
            if os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(DIRECTOR):
                os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    proc.wait(timeout=300)


def write_config(pki, name="bench.conf", extra=""):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(f"SSL {{\n  ca {pki}/ca.crt\n}}\n")
        f.write(f"virtual_server 198.18.0.1 443 {{\n  delay_loop {DELAY}\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n")
        for i in range(N):
            f.write(f"  real_server 127.0.0.1 {BASE_PORT + i} {{\n    weight 1\n"
                    "    SSL_GET {\n      url {\n        path /healthz\n        status_code 200\n      }\n"
                    f"      connect_timeout 5\n{extra}    }}\n  }}\n")
        f.write("}\n")
    return path


def measure(name, argv, access_log, pids_of):
    log = os.path.join(WORK, name.replace("/", "-") + ".log")  # "director/1": the per-check run
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(log, "w"),
                            start_new_session=True)
    try:
        time.sleep(WARMUP)  # startup and the first round (spread over warmup/jitter) are not measured
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early, see {log}")
        pids = pids_of(proc.pid)
        cpu0 = sum(cpu_seconds(p) for p in pids)
        req0 = log_lines(access_log)
        t0 = time.time()
        samples = []  # total RSS every 5 s over the window: flat, or growing?
        while time.time() - t0 < WINDOW:
            time.sleep(min(5, max(0.0, WINDOW - (time.time() - t0))))
            samples.append(sum(rss_kib(p) for p in pids_of(proc.pid)))
        pids = pids_of(proc.pid)
        cpu1 = sum(cpu_seconds(p) for p in pids)
        req1 = log_lines(access_log)
        elapsed = time.time() - t0
        rss = {p: rss_kib(p) for p in pids}
        hwm = sum(rss_kib(p, "VmHWM") for p in pids)
        by_mapping = {p: rss_by_mapping(p) for p in pids} if BY_MAPPING else {}
    finally:
        stop(proc, bool(PREFIX) and argv[:len(PREFIX)] == PREFIX)
    checks = req1 - req0
    cpu = cpu1 - cpu0
    return {
        "name": name,
        "checks": checks,
        "checks_per_s": checks / elapsed,
        "cpu_s": cpu,
        "cpu_s_per_1000": cpu / checks * 1000 if checks else float("nan"),
        "rss_kib_total": sum(rss.values()),
        "rss_kib_by_pid": rss,
        "rss_kib_window_max": max(samples),
        "rss_kib_window_min": min(samples),
        "rss_kib_samples": samples,
        "hwm_kib": hwm,
        "by_mapping": by_mapping,
    }


def main():
    pki = os.path.join(WORK, "pki")
    subprocess.run(["sh", os.path.join(ROOT, "tests", "healthcheck", "make_test_pki.sh"), pki], check=True)
    conf = write_config(pki)
    nginx, access_log = nginx_tls.start(WORK, N, BASE_PORT, pki)
    results = []
    try:
        for mode in MODES:
            name, dconf = "director", conf
            if mode == "per-check":
                name = "director/1"  # keepalive_requests 1
                dconf = write_config(pki, "per-check.conf", "      keepalive_requests 1\n")
            elif mode != "keepalive":
                raise SystemExit(f"MODES: unknown mode {mode} (keepalive, per-check)")
            results.append(measure(name,
                                   PREFIX + [DIRECTOR, "run", "-f", dconf, "--pid-file", f"{WORK}/d.pid",
                                    "--control-socket", f"{WORK}/d.sock", "--state-dir", f"{WORK}/state",
                                    "--log-level", "warn"],
                                   access_log, lambda pid: [pid] + children(pid)))
        # keepalived -C: parent + healthcheck child; both counted.
        if ONLY != "director":
            results.append(measure("keepalived",
                                   ["keepalived", "-n", "-l", "-C", "-f", conf, "-p", f"{WORK}/k.pid",
                                    "-c", f"{WORK}/kc.pid"],
                                   access_log, lambda pid: [pid] + children(pid)))
    finally:
        os.killpg(nginx.pid, signal.SIGKILL)
        nginx.wait()
    print(f"\nhealth-check bench: N={N} real servers, SSL_GET, delay_loop={DELAY}s, window={WINDOW}s")
    print(f"{'daemon':<12}{'checks':>8}{'checks/s':>10}{'CPU s':>9}{'CPU s/1000 checks':>19}{'RSS MiB':>9}"
          f"{'window min-max':>16}{'peak (HWM)':>12}")
    for r in results:
        print(f"{r['name']:<12}{r['checks']:>8}{r['checks_per_s']:>10.1f}{r['cpu_s']:>9.2f}"
              f"{r['cpu_s_per_1000']:>19.3f}{r['rss_kib_total'] / 1024:>9.1f}"
              f"{r['rss_kib_window_min'] / 1024:>9.1f}-{r['rss_kib_window_max'] / 1024:<6.1f}{r['hwm_kib'] / 1024:>12.1f}")
    for r in results:
        print(f"{r['name']} RSS by pid (KiB): {r['rss_kib_by_pid']}")
        print(f"{r['name']} RSS every 5 s over the window (MiB): "
              + " ".join(f"{k / 1024:.1f}" for k in r['rss_kib_samples']))
    for r in results:
        for pid, objs in r["by_mapping"].items():
            print(f"\n{r['name']} pid {pid}: RSS by mapping (KiB)   Rss  Private_Dirty  Anonymous")
            for name, (rss, dirty, anon) in sorted(objs.items(), key=lambda kv: -kv[1][0]):
                if rss >= 64:
                    print(f"  {name:<36}{rss:>8}{dirty:>15}{anon:>11}")
            rest = [v for v in objs.values() if v[0] < 64]
            print(f"  {'(' + str(len(rest)) + ' smaller)':<36}{sum(v[0] for v in rest):>8}"
                  f"{sum(v[1] for v in rest):>15}{sum(v[2] for v in rest):>11}")
    ok = all(r["checks"] > 0 for r in results)
    shutil.rmtree(WORK, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
