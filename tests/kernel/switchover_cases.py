"""Planned and unplanned moves with real IPVS in DR mode (registered into ipvs_suite's boot). Two directors
d1 (priority 150) and d2 (100) share a bridge with three real servers set up by `director realserver up` and
a client. A long-lived TCP connection sends a line every 100 ms through the VIP:
- with lvs_sync_daemon following VI_1 it keeps working across `director switchover` and across a kill -9 of
  the master, the stall bounded by Skew_Time + 0.1 s and Master_Down_Interval + 0.2 s;
- without it (the negative control) the new master does not know the connection and resets it;
- a loop of short HTTP requests sees no failure across the switchover;
- `director backend drain --wait` takes a real server out of new traffic at once, returns when its last
  connection has closed, and the drain holds across a restart until `backend enable`; the kernel counters
  in /metrics equal `ipvsadm -Ln --stats --exact` for each real server; lvs_timeouts shows in
  `ipvsadm -L --timeout`."""
import json
import os
import signal
import subprocess
import time

from vm_lab import (DIRECTOR, LOOP_CLIENT, WORK, Director, Topology, case, ipvsadm, sh,  # noqa: F401
                    start_http, wait_until)

VIP = "198.18.0.100"
ADVER_INT = 1.0
# The VM runs under software emulation: process wake-ups and the status round trip add this much.
VM_SLACK = 0.5


def skew(prio):
    return (256 - prio) / 256.0


def master_down(prio):
    return 3 * ADVER_INT + skew(prio)


# Each connection is greeted with the server's name, then every line is echoed back.
ECHO_SERVER = r"""
import socket, sys, threading
ident = sys.argv[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 7000))
srv.listen(64)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall((ident + "\n").encode())
    for line in c.makefile("rb"):
        c.sendall(line)
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

# One connection, a line every 100 ms until the stop file appears. Prints the greeting and local port at
# once, then one JSON line at the end: lines echoed, the longest wait for an echo beyond the 100 ms pace,
# and the error that ended it early (a reset, an EOF), if any.
LINE_CLIENT = r"""
import json, os, socket, sys, time
vip, stop = sys.argv[1], sys.argv[2]
s = socket.create_connection((vip, 7000), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = s.makefile("rb")
ident = f.readline().decode().strip()
print(json.dumps({"ident": ident, "port": s.getsockname()[1]}), flush=True)
s.settimeout(20)
n, stall, error = 0, 0.0, None
while not os.path.exists(stop):
    t = time.monotonic()
    try:
        s.sendall(b"line %d\n" % n)
        back = f.readline()
        if not back:
            error = "EOF"
            break
        if back != b"line %d\n" % n:
            error = "garbled %r" % back
            break
    except Exception as e:
        error = repr(e)
        break
    stall = max(stall, time.monotonic() - t)
    n += 1
    time.sleep(0.1)
print(json.dumps({"echoed": n, "stall": stall, "error": error}), flush=True)
"""


def director_conf(prio, sync, http_sched="sh", metrics=False):
    sync_line = "    lvs_sync_daemon eth0 VI_1 id 7\n" if sync else ""
    if metrics:
        sync_line += "    metrics_listen 127.0.0.1:9650\n    lvs_timeouts tcp 901 tcpfin 121 udp 301\n"
    rs = "".join(f"    real_server 198.18.0.1{i} PORT {{\n        TCP_CHECK {{\n            connect_timeout 2\n        }}\n    }}\n"
                 for i in (1, 2, 3))
    services = ""
    for port, sched in ((80, http_sched), (7000, "rr")):
        services += (f"virtual_server {VIP} {port} {{\n    delay_loop 1\n    lb_algo {sched}\n    lb_kind DR\n"
                     f"    protocol TCP\n{rs.replace('PORT', str(port))}}}\n")
    return (f"global_defs {{\n    router_id d{prio}\n{sync_line}}}\n"
            f"vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 61\n"
            f"    priority {prio}\n    advert_int 1\n    garp_master_delay 0\n"
            f"    authentication {{\n        auth_type PASS\n        auth_pass drill\n    }}\n"
            f"    virtual_ipaddress {{\n        {VIP}/24 dev eth0\n    }}\n}}\n" + services)


def status(d):
    r = sh([DIRECTOR, "status", "--json", "--control-socket", d.args[d.args.index("--control-socket") + 1]],
           check=False, timeout=30)
    return json.loads(r.stdout) if r.returncode == 0 else None


def vrrp_state(d):
    s = status(d)
    return s["vrrp"]["instances"][0]["state"] if s else None


def ctl(d, *args, timeout=60):
    sock = d.args[d.args.index("--control-socket") + 1]
    return sh([DIRECTOR, *args, "--control-socket", sock], check=False, timeout=timeout)


def weights(ns, port):
    """{real server address: weight} for VIP:port in the kernel's table."""
    out, inside = {}, False
    for line in ipvsadm("-Ln", ns=ns).splitlines():
        if line.startswith("TCP"):
            inside = f"{VIP}:{port} " in line + " "
        elif inside and line.strip().startswith("->") and "Route" in line:
            f = line.split()
            out[f[1].split(":")[0]] = int(f[3])
    return out


def kernel_stats(ns, port):
    """{real server: (connections, packets in, bytes in)} for VIP:port from `ipvsadm -Ln --stats --exact`."""
    out, inside = {}, False
    for line in ipvsadm("-Ln", "--stats", "--exact", ns=ns).splitlines():
        if line.startswith("TCP"):
            inside = line.split()[1] == f"{VIP}:{port}"
        elif inside and line.strip().startswith("->") and ":" in line.split()[1]:
            f = line.split()
            out[f[1]] = (int(f[2]), int(f[3]), int(f[5]))
    return out


METRICS_FETCH = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9650/metrics', timeout=5).read().decode())"


def scrape_stats(host, port):
    """The same figures from the director's /metrics, read with python3-prometheus-client's parser."""
    from prometheus_client.parser import text_string_to_metric_families
    text = host.run(["/usr/bin/python3", "-c", METRICS_FETCH], check=False).stdout
    got = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.labels.get("service") != f"TCP {VIP}:{port}" or "real_server" not in s.labels:
                continue
            rs = s.labels["real_server"]
            cur = list(got.get(rs, (0, 0, 0)))
            if s.name == "director_ipvs_real_server_connections_total":
                cur[0] = int(s.value)
            elif s.name == "director_ipvs_real_server_packets_total" and s.labels.get("direction") == "in":
                cur[1] = int(s.value)
            elif s.name == "director_ipvs_real_server_bytes_total" and s.labels.get("direction") == "in":
                cur[2] = int(s.value)
            else:
                continue
            got[rs] = tuple(cur)
    return got


def knows_connection(ns, client_port):
    """The director's connection table has the client's connection (synced or its own)."""
    return f"198.18.0.20:{client_port} " in ipvsadm("-Lnc", ns=ns) + " "


def sync_roles(ns):
    """The sync daemon roles running in a namespace's kernel, from `ipvsadm -L --daemon`."""
    return {role for role in ("master", "backup") if f"{role} sync daemon" in ipvsadm("-L", "--daemon", ns=ns, check=False)}


class Lab:
    def __init__(self, t):
        self.t = t
        self.d1 = t.host("d1", "198.18.0.1/24")
        self.d2 = t.host("d2", "198.18.0.2/24")
        self.client = t.host("cl", "198.18.0.20/24")
        self.rs = []
        for i in (1, 2, 3):
            rs = t.host(f"rs{i}", f"198.18.0.1{i}/24")
            sh(["ip", "netns", "exec", rs.ns, DIRECTOR, "realserver", "up", "--vip", VIP,
                "--state-dir", os.path.join(WORK, f"rs{i}-realserver")])
            start_http(rs, f"rs{i}")
            rs.popen(["python3", "-c", ECHO_SERVER, f"rs{i}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.rs.append(rs)
        for rs in self.rs:
            wait_until(lambda: rs.run(["ss", "-Hltn", "sport = :7000"]).stdout.strip(), 60, f"echo server on {rs.name}",
                       interval=0.1)

    def start_pair(self, sync):
        for h in (self.d1, self.d2):
            # Mid-connection packets a new master has no entry for are scheduled, not refused: with `sh` they
            # reach the same server, so short requests in flight survive a switchover. Off for the negative
            # control, where the long-lived connection must meet the unknown-connection path.
            h.run(["sysctl", "-qw", f"net.ipv4.vs.sloppy_tcp={1 if sync else 0}"], check=False)
        tag = "sync" if sync else "nosync"
        self.a = Director(self.d1, director_conf(150, sync), name=f"d1-{tag}").start()
        wait_until(lambda: vrrp_state(self.a) == "MASTER", master_down(150) + 15, "d1 master")
        self.b = Director(self.d2, director_conf(100, sync), name=f"d2-{tag}").start()
        wait_until(lambda: vrrp_state(self.b) == "BACKUP", 15, "d2 backup")
        if sync:
            wait_until(lambda: sync_roles(self.d1.ns) == {"master"} and sync_roles(self.d2.ns) == {"backup"}, 15,
                       "one sync role per director, as its instance")
        for h in (self.d1, self.d2):
            wait_until(lambda: len(weights(h.ns, 7000)) == 3 and all(weights(h.ns, 7000).values()), 30,
                       f"{h.name}: three real servers up")

    def stop_pair(self):
        for d, h in ((self.a, self.d1), (self.b, self.d2)):
            if d.proc.poll() is None:
                d.stop()
            else:
                d.logf.close()
            # What a kill -9 leaves: the VIP, the rules, the sync daemons.
            h.run(["ip", "addr", "del", f"{VIP}/24", "dev", "eth0"], check=False)
            h.run(["ipvsadm", "-C"], check=False)
            for role in ("master", "backup"):
                h.run(["ipvsadm", "--stop-daemon", role], check=False)

    def line_client(self, stop):
        p = self.client.popen(["python3", "-c", LINE_CLIENT, VIP, stop], stdout=subprocess.PIPE, text=True)
        hello = json.loads(p.stdout.readline())
        return p, hello

    def finish(self, p, stop):
        open(stop, "w").close()
        out, _ = p.communicate(timeout=60)
        return json.loads(out.strip().splitlines()[-1])


def ended(p):
    return p.poll() is not None


@case
def long_lived_connection_survives_switchover_and_kill_9_only_with_sync():
    with Topology("so") as t:
        lab = Lab(t)
        for sync in (False, True):
            lab.start_pair(sync)
            try:
                # 1. Planned: switchover from d1 to d2.
                stop = os.path.join(WORK, f"stop-so-{sync}")
                p, hello = lab.line_client(stop)
                loop_stop = os.path.join(WORK, f"stop-loop-{sync}")
                loop = lab.client.popen(["python3", "-c", LOOP_CLIENT, VIP, loop_stop], stdout=subprocess.PIPE,
                                        text=True)
                if sync:
                    wait_until(lambda: knows_connection(lab.d2.ns, hello["port"]), 20, "d2 learnt the connection")
                time.sleep(1)  # both clients are under way through d1
                r = ctl(lab.a, "switchover")
                assert r.returncode == 0, (r.stdout, r.stderr)
                took_ms = int(r.stdout.split("hand-over took ")[1].split(" ms")[0])
                if sync:
                    # The sync daemons follow VI_1: d2 sends now, d1 listens.
                    wait_until(lambda: sync_roles(lab.d2.ns) == {"master"} and sync_roles(lab.d1.ns) == {"backup"}, 10,
                               "sync daemon roles follow the instance")
                # Traffic now flows through d2, or the connection broke.
                wait_until(lambda: ended(p) or knows_connection(lab.d2.ns, hello["port"]), 10, "connection moved")
                time.sleep(2)
                res = lab.finish(p, stop)
                open(loop_stop, "w").close()
                short = json.loads(loop.communicate(timeout=60)[0].strip().splitlines()[-1])
                print(f"  sync={sync}: switchover {took_ms} ms, long-lived {res}, short requests "
                      f"ok={short['ok']} failed={short['failed']}", flush=True)
                if sync:
                    assert res["error"] is None, res
                    assert res["stall"] <= skew(100) + 0.1 + VM_SLACK, res
                    assert short["failed"] == 0 and short["ok"] > 0, short
                else:
                    assert res["error"] and ("Reset" in res["error"] or res["error"] == "EOF"), res

                # 2. Unplanned: kill -9 of the master (d2 now); d1 takes over after its Master_Down_Interval.
                stop2 = os.path.join(WORK, f"stop-kill-{sync}")
                p, hello = lab.line_client(stop2)
                if sync:
                    wait_until(lambda: knows_connection(lab.d1.ns, hello["port"]), 20, "d1 learnt the connection")
                time.sleep(1)
                lab.b.stop(signal.SIGKILL)
                wait_until(lambda: vrrp_state(lab.a) == "MASTER", master_down(150) + 1 + VM_SLACK * 4, "d1 took over")
                time.sleep(2)
                res = lab.finish(p, stop2)
                print(f"  sync={sync}: kill -9, long-lived {res}", flush=True)
                if sync:
                    assert res["error"] is None, res
                    assert res["stall"] <= master_down(150) + 0.2 + VM_SLACK, res
                else:
                    assert res["error"] and ("Reset" in res["error"] or res["error"] == "EOF"), res
            finally:
                lab.stop_pair()


@case
def backend_drain_wait_returns_when_connections_end_and_metrics_match_ipvsadm():
    with Topology("dn") as t:
        lab = Lab(t)
        d3 = t.host("d3", "198.18.0.3/24")
        lab.d1 = d3
        a = Director(d3, director_conf(150, False, metrics=True), name="d3-drain").start()
        lab.a, lab.b = a, a
        try:
            wait_until(lambda: vrrp_state(a) == "MASTER", master_down(150) + 15, "d1 master")
            wait_until(lambda: len(weights(lab.d1.ns, 7000)) == 3 and all(weights(lab.d1.ns, 7000).values()), 30,
                       "three real servers up")
            # lvs_timeouts reached the kernel, as ipvsadm reads it back.
            timeouts = ipvsadm("-L", "--timeout", ns=d3.ns).strip()
            assert timeouts == "Timeout (tcp tcpfin udp): 901 121 301", timeouts
            stop3 = os.path.join(WORK, "stop-drain")
            p, hello = lab.line_client(stop3)
            target = "198.18.0.1" + hello["ident"][-1]
            drain = sh([DIRECTOR, "backend", "drain", "198.18.0.99:7000", "--control-socket",
                        a.args[a.args.index("--control-socket") + 1]], check=False)
            assert drain.returncode == 1 and "no real_server 198.18.0.99:7000" in drain.stderr, drain.stderr
            sock = a.args[a.args.index("--control-socket") + 1]
            t0 = time.monotonic()
            waiting = subprocess.Popen([DIRECTOR, "backend", "drain", f"{target}:7000", "--service", f"{VIP}:7000",
                                        "--wait", "60", "--control-socket", sock], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            wait_until(lambda: weights(lab.d1.ns, 7000).get(target) == 0, 10, "weight 0 at once")
            print(f"  drain: weight 0 after {time.monotonic() - t0:.2f} s", flush=True)
            # New connections avoid it while the old one still runs and the command still waits.
            greetings, others = [], []
            for _ in range(6):
                q, h = lab.line_client(os.path.join(WORK, "stop-now"))
                greetings.append(h["ident"])
                others.append(q)
            open(os.path.join(WORK, "stop-now"), "w").close()
            for q in others:
                q.communicate(timeout=60)
            assert target[-1] not in "".join(g[-1] for g in greetings), (target, greetings)
            assert waiting.poll() is None, waiting.communicate()
            res = lab.finish(p, stop3)
            assert res["error"] is None, res
            t1 = time.monotonic()
            out, err = waiting.communicate(timeout=60)
            assert waiting.returncode == 0, (out, err)
            assert "no active connections left" in out, out
            print(f"  drain --wait returned {time.monotonic() - t1:.2f} s after the last connection closed", flush=True)
            # /metrics carries the kernel's counters per real server: equal to ipvsadm's once traffic has
            # stopped and a table pass (delay_loop 1 s) has read them.
            def agree():
                kernel = kernel_stats(d3.ns, 7000)
                scraped = scrape_stats(d3, 7000)
                return kernel if kernel and kernel == scraped else None
            stats = wait_until(agree, 10, "/metrics agrees with ipvsadm --stats")
            print(f"  /metrics = ipvsadm --stats for VIP:7000: {stats}", flush=True)
            # Across a restart it stays drained, whatever the health check says; enable ends it.
            a.stop()
            a = Director(d3, director_conf(150, False), name="d3-drain2").start()
            lab.a, lab.b = a, a
            wait_until(lambda: len(weights(lab.d1.ns, 7000)) == 3, 30, "table after restart")
            time.sleep(3)  # several delay_loops with a passing health check
            assert weights(lab.d1.ns, 7000)[target] == 0, weights(lab.d1.ns, 7000)
            assert "drained by hand" in ctl(a, "status").stdout
            r = ctl(a, "backend", "enable", f"{target}:7000", "--service", f"{VIP}:7000")
            assert r.returncode == 0, r.stderr
            assert weights(lab.d1.ns, 7000)[target] == 1, weights(lab.d1.ns, 7000)
        finally:
            lab.stop_pair()
