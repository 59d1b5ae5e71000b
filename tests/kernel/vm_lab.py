"""What the VM suites share: a case registry and runner, ipvsadm and director wrappers, HTTP servers and
clients, a `director run` wrapper, and the NAT topology (client -> director -> three real servers)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from netns import Topology, sh, wait_until  # noqa: E402,F401

DIRECTOR = os.environ.get("DIRECTOR_BIN") or os.path.join(os.getcwd(), "build", "bin", "director")
WORK = tempfile.mkdtemp(prefix="ipvs-suite-")
results = []
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def run_case(fn):
    name = fn.__name__
    t0 = time.monotonic()
    try:
        fn()
        results.append((name, True))
        print(f"PASS {name} ({time.monotonic() - t0:.1f}s)", flush=True)
    except Exception:
        results.append((name, False))
        print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)


def ns_prefix(ns):
    return ["ip", "netns", "exec", ns] if ns else []


def ipvsadm(*args, ns=None, check=True):
    return sh(ns_prefix(ns) + ["ipvsadm"] + list(args), check=check).stdout


def director(*args, ns=None, check=True, stdin=None):
    return sh(ns_prefix(ns) + [DIRECTOR] + list(args), check=check, input=stdin)


ALL_FORMATS = ([], ["--stats"], ["--rate"], ["--thresholds"], ["--persistent-conn"], ["--timeout"], ["--daemon"])


def assert_same_listing(ns=None, what="", formats=ALL_FORMATS):
    for flags in formats:
        mine = director("ipvs", "list", *flags, ns=ns).stdout
        theirs = ipvsadm("-Ln", *flags, ns=ns)
        if mine != theirs:
            raise AssertionError(f"{what}: director ipvs list {' '.join(flags)} differs from ipvsadm -Ln:\n"
                                 f"--- ipvsadm\n{theirs}--- director\n{mine}")


HTTP_CLIENT = r"""
import collections, json, socket, sys
vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen = collections.Counter()
for _ in range(n):
    s = socket.create_connection((vip, port), timeout=5)
    s.sendall(b"GET /id HTTP/1.0\r\nHost: x\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    seen[data.split(b"\r\n\r\n", 1)[1].decode().strip()] += 1
print(json.dumps(seen))
"""

HOLDER = r"""
import socket, sys, time
vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held = [socket.create_connection((vip, port), timeout=5) for _ in range(n)]
print("held", flush=True)
time.sleep(3600)
"""


# Requests through the VIP until the stop file appears; prints counts and the first errors as JSON.
LOOP_CLIENT = r"""
import collections, json, os, socket, sys, time
vip, stop = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 80
ok, failed, errors, seen = 0, 0, [], collections.Counter()
while not os.path.exists(stop):
    try:
        s = socket.create_connection((vip, port), timeout=5)
        s.sendall(b"GET /id HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        if not data.startswith(b"HTTP/1.0 200"):
            raise RuntimeError(data[:40])
        seen[data.split(b"\r\n\r\n", 1)[1].decode().strip()] += 1
        ok += 1
    except Exception as e:
        failed += 1
        errors.append(f"{time.time():.3f} {e!r}")
    time.sleep(0.05)
print(json.dumps({"ok": ok, "failed": failed, "errors": errors[:5], "seen": seen}), flush=True)
"""


def start_http(host, ident):
    root = os.path.join(WORK, ident)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "id"), "w") as f:
        f.write(ident + "\n")
    host.popen(["python3", "-m", "http.server", "--directory", root, "80"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Python starts slowly under software emulation; the listening socket is what matters.
    wait_until(lambda: host.run(["ss", "-Hltn", "sport = :80"]).stdout.strip(), 60, f"http server on {host.name}",
               interval=0.1)


def requests(client, vip, n, port=80):
    out = client.run(["python3", "-c", HTTP_CLIENT, vip, str(port), str(n)], timeout=300).stdout
    return json.loads(out)


class Director:
    """`director run` in a namespace, with its log in a file."""

    def __init__(self, host, conf_text, name="d", extra=()):
        self.host = host
        self.conf = os.path.join(WORK, f"{host.name}-{name}.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.log = os.path.join(WORK, f"{host.name}-{name}.log")
        self.args = ["run", "-f", self.conf, "--pid-file", os.path.join(WORK, f"{host.name}.pid"),
                     "--control-socket", os.path.join(WORK, f"{host.name}.sock"),
                     "--state-dir", os.path.join(WORK, f"{host.name}-state"), "--log-level", "debug"] + list(extra)
        self.proc = None

    def start(self):
        self.logf = open(self.log, "a")
        self.proc = self.host.popen([DIRECTOR] + self.args, stdout=self.logf, stderr=self.logf)
        return self

    def text(self):
        with open(self.log) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig) if sig != signal.SIGKILL else os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.logf.close()
        return self.proc.returncode


def nat_topology(t):
    d = t.host("lb", "198.18.0.1/24", extra_cidrs=("198.18.1.1/24", "198.18.1.100/32"))
    # Both subnets share one link: a redirect would send the real servers' replies around the NAT.
    d.run(["sysctl", "-qw", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0"])
    client = t.host("cl", "198.18.1.2/24")
    client.run(["ip", "route", "add", "default", "via", "198.18.1.1"])
    servers = []
    for i in (1, 2, 3):
        rs = t.host(f"rs{i}", f"198.18.0.1{i}/24")
        rs.run(["ip", "route", "add", "default", "via", "198.18.0.1"])
        start_http(rs, f"rs{i}")
        servers.append(rs)
    return d, client, servers


def nat_conf(sched, weights=(1, 1, 1), extra=""):
    rs = "".join(f"    real_server 198.18.0.1{i + 1} 80 {{\n        weight {w}\n    }}\n" for i, w in enumerate(weights))
    return (f"virtual_server 198.18.1.100 80 {{\n    delay_loop 1\n    lb_algo {sched}\n    lb_kind NAT\n    protocol TCP\n{extra}"
            f"{rs}}}\n")


def service_listed(ns, needle="198.18.1.100:80"):
    return needle in ipvsadm("-Ln", ns=ns)


def dest_lines(ns):
    return [l.split() for l in ipvsadm("-Ln", ns=ns).splitlines() if l.strip().startswith("->") and "Masq" in l]


def main(suite):
    """Runs every registered case (IPVS_CASES=name,name runs a subset); exits with the number that failed."""
    only = set(filter(None, os.environ.get("IPVS_CASES", "").split(",")))
    for fn in CASES:
        if not only or fn.__name__ in only:
            run_case(fn)
    failed = [n for n, ok in results if not ok]
    print(f"{suite}: {len(results) - len(failed)}/{len(results)} passed" + (f"; failed: {failed}" if failed else ""))
    sys.exit(len(failed))
