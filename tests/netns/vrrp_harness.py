"""Shared pieces of the VRRP namespace suites and the failover benchmark: configs, daemons, probes."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from netns import Topology, wait_until  # noqa: E402,F401

VIP = "198.18.0.100"
VRID = 51


def director_binary():
    b = os.environ.get("DIRECTOR_BIN")
    if b:
        return b
    for cand in ("build/bin/director",):
        p = os.path.join(HERE, "..", "..", cand)
        if os.path.exists(p):
            return os.path.abspath(p)
    raise SystemExit("set DIRECTOR_BIN to the director binary")


def instance_conf(prio, state="BACKUP", password="k8sHA", extra="", scripts="", track="", advert_int=1,
                  vrid=VRID, vip=VIP, globals_=""):
    return f"""
global_defs {{
    router_id test
{globals_}
}}
{scripts}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id {vrid}
    priority {prio}
    advert_int {advert_int}
    authentication {{
        auth_type PASS
        auth_pass {password}
    }}
    virtual_ipaddress {{
        {vip}/24 dev eth0
    }}
{track}
{extra}
}}
"""


# Sends `count` VRRPv2 adverts to `dst` from the namespace it runs in, `gap` seconds apart:
# argv dst count gap priority vrid password vip.
INJECTOR = r"""
import socket, struct, sys, time
dst, count, gap, prio, vrid, password, vip = sys.argv[1:8]
def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
def advert():
    head = struct.pack("!BBBBBBH", 0x21, int(vrid), int(prio), 1, 1, 1, 0)
    body = socket.inet_aton(vip) + password.encode().ljust(8, b"\0")[:8]
    c = checksum(head + body)
    return head[:6] + struct.pack("!H", c) + body
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
for _ in range(int(count)):
    s.sendto(advert(), (dst, 0))
    time.sleep(float(gap))
"""


class Daemon:
    """A director or keepalived process inside a namespace, with its own pid files and log."""

    def __init__(self, host, workdir, name, conf_text, kind="director", env=None):
        self.host, self.name, self.kind = host, name, kind
        self.env = env  # added to the test's environment
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "vrrp.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.sock = os.path.join(self.dir, "ctl.sock")
        self.log_path = os.path.join(self.dir, "log")
        self.state_dir = os.path.join(self.dir, "state")  # a test may point it elsewhere before start()
        self.proc = None

    def start(self):
        if self.kind == "director":
            argv = [director_binary(), "run", "-f", self.conf, "--pid-file", os.path.join(self.dir, "pid"),
                    "--control-socket", self.sock, "--state-dir", self.state_dir,
                    "--log-level", "debug"]
        else:
            # Own pid files so it neither collides with a system keepalived nor with another test instance.
            argv = ["keepalived", "-n", "-l", "-D", "-f", self.conf, "-p", os.path.join(self.dir, "k.pid"),
                    "-r", os.path.join(self.dir, "vrrp.pid"), "-c", os.path.join(self.dir, "checkers.pid")]
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            env = dict(os.environ, **self.env) if self.env else None
            self.proc = self.host.popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.started_at = time.monotonic()
        return self

    def signal(self, sig):
        # keepalived forks its VRRP child; signal the whole group so kill -9 really kills everything.
        if self.kind == "keepalived" and sig == signal.SIGKILL:
            os.killpg(self.proc.pid, sig)
        elif self.kind == "keepalived":
            # `ip netns exec` execs, so proc.pid is keepalived's parent process itself.
            os.kill(self.proc.pid, sig)
        else:
            os.kill(self.proc.pid, sig)

    def wait_exit(self, timeout=10):
        return self.proc.wait(timeout=timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def status(self, timeout=5):
        if self.kind != "director":
            raise RuntimeError("status() is for director daemons")
        r = subprocess.run([director_binary(), "status", "--control-socket", self.sock, "--json"],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def instance(self):
        s = self.status()
        if not s or "vrrp" not in s:
            return None
        return s["vrrp"]["instances"][0]

    def state(self):
        i = self.instance()
        return i["state"] if i else None

    def has_vip(self):
        return self.host.has_address(VIP, "eth0")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class Capture:
    """tcpdump on a namespace's eth0, line-buffered text, for asserting what went on the wire."""

    def __init__(self, host, workdir, name, expr, extra=()):
        self.path = os.path.join(workdir, f"{name}.tcpdump")
        with open(self.path, "w") as out:
            self.proc = host.popen(["tcpdump", "-i", "eth0", "-n", "-l", "-e", "-v", *extra, expr], stdout=out,
                                   stderr=subprocess.DEVNULL)
        # tcpdump prints nothing when it is ready; give it a moment by waiting for the process to settle.
        time.sleep(0.3)

    def lines(self):
        with open(self.path, errors="replace") as f:
            return f.read().splitlines()

    def text(self):
        return "\n".join(self.lines())


def read_pid(daemon):
    """The pid a director wrote to its --pid-file."""
    with open(os.path.join(daemon.dir, "pid")) as f:
        return int(f.read())


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def advert_times(capture_path, source):
    """Capture timestamps of the multicast adverts `source` sent, from a `tcpdump -n -tt` text capture."""
    times = []
    with open(capture_path, errors="replace") as f:
        for line in f:
            # "1763778300.123456 IP 198.18.0.2 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100, ..."
            parts = line.split()
            if len(parts) > 4 and parts[2] == source and parts[4].startswith("224.0.0.18"):
                times.append(float(parts[0]))
    return times


def add_bench_options(ap):
    """The options every VRRP benchmark takes."""
    ap.add_argument("--kinds", default="director,keepalived")
    ap.add_argument("--director", default=None, help="director binary (default: build/bin/director)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, captures)")


def bench_workdir(args, prefix, needs):
    """Checks for root, points DIRECTOR_BIN at --director, and returns a fresh work directory."""
    if os.geteuid() != 0:
        sys.exit(f"needs root ({needs})")
    if args.director:
        os.environ["DIRECTOR_BIN"] = os.path.abspath(args.director)
    return make_workdir(prefix)


def finish_bench(args, wd):
    if args.keep:
        sys.stderr.write(f"work directory kept: {wd}\n")
    else:
        remove_workdir(wd)


def make_workdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


def remove_workdir(d):
    shutil.rmtree(d, ignore_errors=True)


ADVER_INT = 1.0
# Polls run every 20 ms and status round trips take a few ms; this is what "within X" may overrun by.
SLACK = 0.35


def skew(prio):
    """RFC 3768 Skew_Time in seconds."""
    return (256 - prio) / 256.0


def master_down(prio):
    """RFC 3768 Master_Down_Interval in seconds, for advert_int 1."""
    return 3 * ADVER_INT + skew(prio)


class ThreeHostCase(unittest.TestCase):
    """Hosts a (198.18.0.1), b (198.18.0.2) and an observer c (198.18.0.3) on one bridge, shared by every
    case of the class; each case gets a fresh work directory and leaves no daemon or VIP behind."""

    PREFIX = "vrrp"

    @classmethod
    def setUpClass(cls):
        cls.topo = Topology(cls.PREFIX).__enter__()
        cls.a = cls.topo.host("a", "198.18.0.1/24")
        cls.b = cls.topo.host("b", "198.18.0.2/24")
        cls.c = cls.topo.host("c", "198.18.0.3/24")

    @classmethod
    def tearDownClass(cls):
        cls.topo.__exit__(None, None, None)

    def setUp(self):
        self.wd = make_workdir(f"/tmp/{self.PREFIX}-")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            if d.alive():
                d.signal(signal.SIGKILL)
                d.wait_exit()
        for h in (self.a, self.b):
            h.kill_all()
            h.run(["ip", "addr", "del", f"{VIP}/24", "dev", "eth0"], check=False)
        self.c.kill_all()
        if self._outcome_failed():
            for d in self.daemons:
                sys.stderr.write(f"--- {d.name} log ---\n{d.log()[-4000:]}\n")
        if not os.environ.get("KEEP_WORKDIR"):
            remove_workdir(self.wd)

    def _outcome_failed(self):
        res = getattr(self, "_outcome", None)
        errors = getattr(res, "errors", None) or getattr(getattr(res, "result", None), "errors", [])
        return bool(errors) or bool(getattr(getattr(res, "result", None), "failures", []))

    def daemon(self, host, name, conf, kind="director", env=None):
        d = Daemon(host, self.wd, name, conf, kind, env)
        self.daemons.append(d)
        return d.start()


def write_script(workdir, name, body):
    """An executable /bin/sh script `name` in workdir running `body`; returns its path."""
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return path
