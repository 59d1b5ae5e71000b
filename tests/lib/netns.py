"""Network-namespace topologies for the root test suites.

Every namespace a test needs is created here and removed on exit, also when the test fails or is
interrupted. The bridge that joins the hosts lives in a namespace of its own, so nothing is ever added
to the machine's root namespace. Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking space).
"""
import atexit
import os
import signal
import subprocess
import time

_live = []  # topologies not yet cleaned up, for the atexit/signal safety net


def wait_until(predicate, timeout, what, interval=0.02):
    """Polls predicate() until it returns a truthy value, which is returned; raises after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.2f}s waiting for: {what}")
        time.sleep(interval)


def sh(argv, check=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    res = subprocess.run(argv, **kw)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({res.returncode}): {res.stderr.strip()}")
    return res


class Host:
    def __init__(self, topo, name, ns):
        self.topo = topo
        self.name = name
        self.ns = ns
        self.procs = []
        self.addresses = []

    def run(self, argv, check=True, **kw):
        return sh(["ip", "netns", "exec", self.ns] + list(argv), check=check, **kw)

    def popen(self, argv, **kw):
        # A new session so cleanup can kill the whole process group (scripts and their children).
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + list(argv), **kw)
        self.procs.append(p)
        return p

    def has_address(self, addr, dev=None):
        argv = ["ip", "-4", "-o", "addr", "show"] + (["dev", dev] if dev else [])
        out = self.run(argv, check=False).stdout
        return any(f" {addr}/" in line for line in out.splitlines())

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self.procs.clear()


class Topology:
    """Context manager: `with Topology("vrrp") as t: a = t.host("a", "198.18.0.1/24")`."""

    def __init__(self, prefix, bridge=True):
        self.prefix = f"{prefix}{os.getpid() % 100000}"
        self.hosts = {}
        self.namespaces = []
        self.switch = None
        self._want_bridge = bridge

    def __enter__(self):
        _live.append(self)
        if self._want_bridge:
            self.switch = self._netns("sw")
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "add", "br0", "type", "bridge"])
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", "br0", "up"])
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", "lo", "up"])
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def _netns(self, name):
        ns = f"{self.prefix}-{name}"
        sh(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        return ns

    def host(self, name, cidr=None, dev="eth0", extra_cidrs=()):
        """A namespace with lo up and, when a bridge exists, `dev` joined to it with `cidr` on it."""
        ns = self._netns(name)
        h = Host(self, name, ns)
        h.run(["ip", "link", "set", "lo", "up"])
        if self.switch:
            peer = f"v{len(self.hosts)}{name}"[:15]
            # Both ends are created inside the switch namespace and one is moved into the host: the root
            # namespace never sees either.
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "add", peer, "type", "veth", "peer", "name", dev])
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", dev, "netns", ns])
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", peer, "master", "br0", "up"])
            h.run(["ip", "link", "set", dev, "up"])
            for c in ([cidr] if cidr else []) + list(extra_cidrs):
                h.run(["ip", "addr", "add", c, "dev", dev])
                h.addresses.append(c.split("/")[0])
        self.hosts[name] = h
        return h

    def segment(self, bridge, dev, members):
        """A second L2 segment: bridge `bridge` in the switch namespace and a `dev` on each (host, cidr) of
        `members` joined to it. Taking one host's `dev` down cuts that host alone; the others stay up."""
        sh(["ip", "netns", "exec", self.switch, "ip", "link", "add", bridge, "type", "bridge"])
        sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", bridge, "up"])
        for h, cidr in members:
            peer = f"{bridge}{h.name}"[:15]
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "add", peer, "type", "veth", "peer", "name", dev])
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", dev, "netns", h.ns])
            sh(["ip", "netns", "exec", self.switch, "ip", "link", "set", peer, "master", bridge, "up"])
            h.run(["ip", "link", "set", dev, "up"])
            h.run(["ip", "addr", "add", cidr, "dev", dev])

    def cleanup(self):
        for h in self.hosts.values():
            h.kill_all()
        for ns in reversed(self.namespaces):
            # Kill anything still running inside (a daemon a test forgot), then delete.
            pids = sh(["ip", "netns", "pids", ns], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh(["ip", "netns", "del", ns], check=False)
        self.namespaces.clear()
        self.hosts.clear()
        if self in _live:
            _live.remove(self)


def _cleanup_all(*_):
    for t in list(_live):
        t.cleanup()


atexit.register(_cleanup_all)


def _on_signal(signum, frame):
    _cleanup_all()
    raise SystemExit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)
