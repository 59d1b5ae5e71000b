#!/usr/bin/python3
"""Health checks at scale: does every one of N (default 5,000) checked real servers on one director still
start within its delay_loop?

Run director alone (its checks need no IPVS) inside a namespace of its own, from the repo after building:
    ip netns add hcs && ip -n hcs link set lo up
    N=5000 CHECK=ssl DELAY=60 ip netns exec hcs bench/healthcheck/scale_bench.py
    ip netns del hcs

nginx serves HTTPS on N loopback ports (test-CA certificate with IP SAN 127.0.0.1, one worker); the config
is one virtual_server with N real servers, each `SSL_GET /healthz` (CHECK=ssl) or `TCP_CHECK` (CHECK=tcp,
a connect to the same ports), connect_timeout CONNECT_TIMEOUT (5), delay_loop DELAY, warmup left at its
default (delay_loop); KEEPALIVE_REQUESTS sets SSL_GET's keepalive_requests (1: a connection per check).
After WARMUP seconds (default DELAY + 5: the first round is spread over one delay_loop) the director's
status document is read, again after WINDOW seconds (default DELAY, one whole round), and from the two:
  - checks done in the window (counted checks; SSL_GET also as requests nginx logged) against the
    N * WINDOW / DELAY a perfect schedule would do (delay_loop runs from the end of one check to the start
    of the next, so each check's latency stretches its period by latency / delay_loop);
  - start delay: how late checks started after they were due (healthcheck/start_delay.hpp): the
    largest since the daemon started (before the first status request, and at the end), the share of the
    window's starts in each histogram bucket, and the starts later than connect_timeout (the target: none);
  - CPU seconds (utime+stime) over the window and the time the daemon was runnable but waited for a CPU
    (other work on the machine), RSS before the first status request, at the end and peak (VmHWM);
  - each checker's last latency, the nginx worker's CPU, and how long each status request took.
The metrics endpoint is scraped once at the end to show the same figures as Prometheus families. Exits 1
when a check failed or started later than connect_timeout in the window.

Then the loop hold of one request (issue 16): REQUESTS (default 20) status requests on the control socket, then
as many /metrics scrapes, GAP seconds apart (default 0.5). Each reply carries the event loop lag probe's
histogram (`event_loop`, director_event_loop_lag_seconds: a timer due every 10 ms, director/loop_lag.hpp) and the checks'
start-delay histogram as they were when the request arrived, before the daemon did anything for it, so the
difference between consecutive replies holds exactly one request's hold of the loop (and GAP seconds of
everything else). Per request it reports the bucket the longest lag fell in (an upper bound of the hold;
the probe sees any hold longer than its 10 ms period), and over all requests the probes and check starts
later than 10 ms. A lag is a hold of the loop or the loop thread waiting for a CPU (a busy machine), so
it also reports the loop thread's CPU per request above its rate in a quiet phase as long without requests
(the health checks' own work), and the time the thread was runnable but waited for a CPU.
"""
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from nginx_tls import cpu_seconds, log_lines
import nginx_tls

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DIRECTOR = os.environ.get("DIRECTOR_BIN") or os.path.join(ROOT, "build", "bin", "director")
N = int(os.environ.get("N", "5000"))
CHECK = os.environ.get("CHECK", "ssl")
DELAY = int(os.environ.get("DELAY", "60"))
CONNECT_TIMEOUT = int(os.environ.get("CONNECT_TIMEOUT", "5"))
WARMUP = int(os.environ.get("WARMUP", str(DELAY + 5)))
WINDOW = int(os.environ.get("WINDOW", str(DELAY)))
KEEPALIVE_REQUESTS = os.environ.get("KEEPALIVE_REQUESTS", "")  # SSL_GET's keepalive_requests; unset: the default
BASE_PORT = int(os.environ.get("BASE_PORT", "20000"))
METRICS_PORT = 9650
REQUESTS = int(os.environ.get("REQUESTS", "20"))
GAP = float(os.environ.get("GAP", "0.5"))
WORK = tempfile.mkdtemp(prefix="hc-scale-")


def runqueue_wait_seconds(pid):
    """Time the process's threads were runnable but waited for a CPU (schedstat's second field, ns): high
    when other work on the machine starves the daemon, which then starts its checks late."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except OSError:
            pass
    return total / 1e9


def proc_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def poll(what, cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} within {timeout} s")


def write_config(pki):
    path = os.path.join(WORK, "scale.conf")
    if CHECK == "ssl":
        check = ("    SSL_GET {\n      url {\n        path /healthz\n        status_code 200\n      }\n"
                 f"      connect_timeout {CONNECT_TIMEOUT}\n"
                 + (f"      keepalive_requests {KEEPALIVE_REQUESTS}\n" if KEEPALIVE_REQUESTS else "") + "    }\n")
    elif CHECK == "tcp":
        check = f"    TCP_CHECK {{\n      connect_timeout {CONNECT_TIMEOUT}\n    }}\n"
    else:
        raise SystemExit(f"CHECK={CHECK}: ssl or tcp")
    with open(path, "w") as f:
        f.write(f"SSL {{\n  ca {pki}/ca.crt\n}}\n")
        f.write(f"virtual_server 198.18.0.1 443 {{\n  delay_loop {DELAY}\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n")
        for i in range(N):
            f.write(f"  real_server 127.0.0.1 {BASE_PORT + i} {{\n    weight 1\n{check}  }}\n")
        f.write("}\n")
    return path


def status(sock):
    out = subprocess.run([DIRECTOR, "status", "--json", "--control-socket", sock], capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"director status: {out.stderr.strip()}")
    return json.loads(out.stdout)


def health(sock):
    """The daemon-wide health-check figures, each checker's last latency (ms), and how long the status
    request took (the daemon builds the whole document on its event loop, so it delays checks too)."""
    t = time.time()
    lvs = status(sock)["lvs"]
    took = time.time() - t
    latencies = [ch["last"]["latency_ms"] for vs in lvs["membership"] for rs in vs["real_servers"]
                 for ch in rs["checkers"] if "last" in ch]
    return lvs["health_checks"], latencies, took


def status_raw(sock):
    """The status document straight from the control socket: the lightest client (`director status` parses
    and re-prints the whole document, CPU that on a 2-core host delays the loop thread it measures)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(60)
        s.connect(sock)
        s.sendall(b"status\n")
        chunks = []
        while chunk := s.recv(1 << 20):
            chunks.append(chunk)
    return json.loads(b"".join(chunks))


def scrape():
    return urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=60).read().decode()


def histogram(text, family):
    """[(le, cumulative count)] of one histogram in a /metrics text."""
    out = []
    prefix = family + '_bucket{le="'
    for line in text.splitlines():
        if line.startswith(prefix):
            le, value = line[len(prefix):].split('"}', 1)
            out.append((le, float(value)))
    return out


def doc_histogram(buckets):
    return [(b["le"] if isinstance(b["le"], str) else format(b["le"], "g"), b["count"]) for b in buckets]


def interval(h0, h1):
    """(upper bound of the bucket the largest value between two reads fell in, count above 10 ms); None
    for the bound when nothing was recorded in between."""
    diff = [(le, c1 - c0) for (le, c0), (_, c1) in zip(h0, h1)]
    total = diff[-1][1]
    bound = next((le for le, n in diff if n == total), "+Inf") if total else None
    at_10ms = next(n for le, n in diff if float(le) == 0.01)
    return bound, total - at_10ms


def loop_thread(pid):
    """(CPU seconds, seconds runnable but waiting for a CPU) of the daemon's event loop thread (its main
    thread), from schedstat."""
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        run, wait = f.read().split()[:2]
    return int(run) / 1e9, int(wait) / 1e9


def quiet_phase(pid, seconds):
    """The loop thread's CPU rate and CPU wait over `seconds` without requests (the health checks' own), and
    the probes later than 10 ms meanwhile (a scrape at each end: the first one's hold is in the interval)."""
    before = histogram(scrape(), "director_event_loop_lag_seconds")
    cpu0, wait0 = loop_thread(pid)
    time.sleep(seconds)
    cpu1, wait1 = loop_thread(pid)
    after = histogram(scrape(), "director_event_loop_lag_seconds")
    return (cpu1 - cpu0) / seconds, wait1 - wait0, interval(before, after)[1]


def hold_phase(kind, sock, pid):
    """REQUESTS requests of one kind, GAP s apart; each reply's loop lag and start-delay histograms."""
    lags, starts, took = [], [], []
    cpu0, wait0, t0 = *loop_thread(pid), time.time()
    for _ in range(REQUESTS + 1):
        t = time.time()
        if kind == "status":
            d = status_raw(sock)
            lag = doc_histogram(d["event_loop"]["lag_buckets"])
            start = doc_histogram(d["lvs"]["health_checks"]["start_delay_buckets"])
        else:
            text = scrape()
            lag = histogram(text, "director_event_loop_lag_seconds")
            start = histogram(text, "director_health_check_start_delay_seconds")
        took.append(time.time() - t)
        lags.append(lag)
        starts.append(start)
        time.sleep(GAP)
    cpu1, wait1, t1 = *loop_thread(pid), time.time()
    bounds, late_probes, late_starts = [], 0, 0
    for i in range(REQUESTS):
        bound, late = interval(lags[i], lags[i + 1])
        bounds.append(bound)
        late_probes += late
        late_starts += interval(starts[i], starts[i + 1])[1]
    return bounds, late_probes, late_starts, took[:REQUESTS], (cpu1 - cpu0, wait1 - wait0, t1 - t0)


def report_hold(kind, phase, quiet):
    bounds, late_probes, late_starts, took, (cpu, wait, seconds) = phase
    quiet_rate, quiet_wait, quiet_late = quiet
    ms = sorted(float("inf") if b in (None, "+Inf") else 1000 * float(b) for b in bounds)
    fmt = lambda v: "+Inf" if v == float("inf") else f"{v:g}"
    print(f"loop hold per {kind} ({REQUESTS} requests, {GAP} s apart): longest probe lag after each request "
          f"<= {fmt(ms[len(ms) // 2])} ms (median), <= {fmt(ms[-1])} ms (worst); probes later than 10 ms: "
          f"{late_probes:.0f}; check starts later than 10 ms: {late_starts:.0f}; request took "
          f"{1000 * sorted(took)[len(took) // 2]:.0f} ms (median, client side)")
    # The CPU the loop thread spent beyond its quiet rate is what the requests cost it: a bound on the
    # hold that does not depend on how busy the machine is.
    extra = cpu - quiet_rate * seconds
    print(f"  event loop thread: {1000 * extra / (REQUESTS + 1):.1f} ms CPU per {kind} above its quiet rate "
          f"({1000 * quiet_rate:.0f} ms/s); runnable but waiting for a CPU {wait:.2f} s over {seconds:.0f} s "
          f"(quiet: {quiet_wait:.2f} s over as long, with {quiet_late:.0f} probes later than 10 ms)")


def nginx_worker(master):
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        return int(p)
            except OSError:
                pass
    return master


def main():
    # 5,000 checks in flight at once would need 5,000 descriptors; nginx needs two per port.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, min(hard, 4 * N + 4096)) if hard != resource.RLIM_INFINITY else 4 * N + 4096
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    pki = os.path.join(WORK, "pki")
    subprocess.run(["sh", os.path.join(ROOT, "tests", "healthcheck", "make_test_pki.sh"), pki], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = write_config(pki)
    nginx, access_log = nginx_tls.start(WORK, N, BASE_PORT, pki)
    sock = os.path.join(WORK, "d.sock")
    proc = subprocess.Popen([DIRECTOR, "run", "-f", conf, "--pid-file", f"{WORK}/d.pid", "--control-socket", sock,
                             "--state-dir", WORK, "--metrics-listen", f"127.0.0.1:{METRICS_PORT}", "--loop-probe-ms", "10",
                             "--log-level", "warn"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "director.log"), "w"),
                            start_new_session=True)
    try:
        t_start = time.time()
        poll("director's control socket", lambda: os.path.exists(sock) or proc.poll() is not None, 60)
        time.sleep(max(0.0, WARMUP - (time.time() - t_start)))
        if proc.poll() is not None:
            raise RuntimeError(f"director exited early, see {WORK}/director.log")
        worker = nginx_worker(nginx.pid)
        rss0 = proc_kib(proc.pid, "VmRSS")
        wait0 = runqueue_wait_seconds(proc.pid)
        ncpu0, cpu0, req0, t0 = cpu_seconds(worker), cpu_seconds(proc.pid), log_lines(access_log), time.time()
        h0, _, took0 = health(sock)
        time.sleep(max(0.0, WINDOW - (time.time() - t0)))
        ncpu1, cpu1, req1, t1 = cpu_seconds(worker), cpu_seconds(proc.pid), log_lines(access_log), time.time()
        wait1 = runqueue_wait_seconds(proc.pid)
        h1, latencies, took1 = health(sock)
        rss, hwm = proc_kib(proc.pid, "VmRSS"), proc_kib(proc.pid, "VmHWM")
        metrics = scrape()
        holds = {kind: hold_phase(kind, sock, proc.pid) for kind in ("status", "/metrics scrape")} if REQUESTS else {}
        quiet = quiet_phase(proc.pid, holds["status"][4][2]) if REQUESTS else None
    finally:
        nginx_tls.stop(proc)
        os.killpg(nginx.pid, signal.SIGKILL)
        nginx.wait()

    elapsed = t1 - t0
    checks = h1["checks"] - h0["checks"]
    expected = N * elapsed / DELAY
    starts = h1["starts"] - h0["starts"]
    late = h1["late_starts"] - h0["late_starts"]
    failed = h1["failed"] - h0["failed"]
    buckets = [(b1["le"], b1["count"] - b0["count"]) for b0, b1 in zip(h0["start_delay_buckets"],
                                                                        h1["start_delay_buckets"])]
    cpu = cpu1 - cpu0
    kind = "TCP_CHECK" if CHECK == "tcp" else "SSL_GET" + (f" keepalive_requests {KEEPALIVE_REQUESTS}"
                                                            if KEEPALIVE_REQUESTS else "")
    print(f"\nhealth checks at scale: N={N} real servers, {kind}, "
          f"delay_loop={DELAY}s, connect_timeout={CONNECT_TIMEOUT}s, warm-up {WARMUP}s, window {elapsed:.1f}s, "
          f"load average at the end {os.getloadavg()[0]:.2f}")
    print(f"checks in the window: {checks} of {expected:.0f} expected ({100 * checks / expected:.1f}%), "
          f"{failed} failed" + (f"; nginx logged {req1 - req0} requests" if CHECK == "ssl" else ""))
    print(f"starts in the window: {starts}; later than connect_timeout: {late} (since start: {h1['late_starts']} "
          f"of {h1['starts']})")
    # The first read's document is built before that request blocks the loop, so its max is the warm-up's
    # without any status request; the second read's includes the first request's cost.
    print(f"latest start since the daemon started: {h0['start_delay_max_ms']:.1f} ms after due before the first "
          f"status request, {h1['start_delay_max_ms']:.1f} ms at the end")
    # The buckets are cumulative (Prometheus' "le"); the window's are the differences of the two reads.
    dist = [f"<= {le}s: {100 * n / starts:.2f}%" if starts else f"<= {le}s: -" for le, n in buckets if le != "+Inf"]
    bound = next((le for le, n in buckets if n == starts), "+Inf")
    print(f"start delay in the window: every start <= {bound} s; " + ", ".join(dist))
    print(f"CPU: {cpu:.2f} s in the window ({100 * cpu / elapsed:.1f}% of a core), "
          f"{cpu / checks * 1000 if checks else float('nan'):.2f} CPU s per 1,000 checks; runnable but waiting "
          f"for a CPU: {wait1 - wait0:.2f} s")
    print(f"RSS: {rss0 / 1024:.1f} MiB before the first status request, {rss / 1024:.1f} MiB at the end, "
          f"peak (VmHWM) {hwm / 1024:.1f} MiB")
    latencies.sort()
    if latencies:
        print(f"last check latency over the {len(latencies)} checkers: mean {sum(latencies) / len(latencies):.1f} ms, "
              f"median {latencies[len(latencies) // 2]:.1f}, max {latencies[-1]:.1f}")
    print(f"nginx worker CPU in the window: {ncpu1 - ncpu0:.2f} s ({100 * (ncpu1 - ncpu0) / elapsed:.1f}% of a core)")
    print(f"status request (whole document, {N} real servers): {took0 * 1000:.0f} ms and {took1 * 1000:.0f} ms")
    print("metrics:")
    for line in metrics.splitlines():
        if line.startswith(("director_health_check_start_delay", "director_health_check_late_starts")):
            print("  " + line)
    for kind, phase in holds.items():
        report_hold(kind, phase, quiet)
    ok = checks > 0 and failed == 0 and late == 0
    shutil.rmtree(WORK, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
