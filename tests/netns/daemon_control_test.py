#!/usr/bin/python3
"""The daemon's command line and control socket, end to end with the real binary (root: a second uid,
and the daemon runs only inside a namespace this suite creates). The config has one virtual_server and this
host's kernel no IPVS, so nothing touches the network; what is tested is the process around them: control
socket guards (peer uid, idle timeout, request size, connection cap), relative --control-socket and
--pid-file, a pid-file symlink, --log-level names, version commands and the status views."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import SLACK, Topology, director_binary, make_workdir, remove_workdir, wait_until  # noqa: E402

# A virtual_server only: this host's kernel has no IPVS, so the daemon runs without touching anything,
# and `director run` accepts it (a file with nothing to configure is refused).
EMPTY_CONF = ("global_defs {\n    router_id ctl\n}\nvirtual_server 198.18.9.1 80 {\n    protocol TCP\n"
              "    real_server 198.18.9.2 80 {\n    }\n}\n")
IDLE_TIMEOUT = 5.0  # the daemon's default for a client that never finishes its request line
MAX_CLIENTS = 32


def request(path, data, timeout=10):
    """Sends raw bytes on the control socket; returns the parsed reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it read everything; the reason is already in our receive buffer
        return json.loads(read_to_eof(s))


def text(path):
    with open(path, errors="replace") as f:
        return f.read()


def read_to_eof(s):
    """The whole reply. A server that closes with our unread bytes in its queue makes the kernel report
    ECONNRESET once its reply has been read: that ends the reply as EOF does."""
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        out += chunk


class DaemonControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.topo = Topology("dctl", bridge=False).__enter__()
        cls.h = cls.topo.host("h")

    @classmethod
    def tearDownClass(cls):
        cls.topo.__exit__(None, None, None)

    def setUp(self):
        self.wd = make_workdir("/tmp/dctl-")
        # A copy every user can execute, whatever the permissions on the build tree.
        self.bin = os.path.join(self.wd, "director")
        shutil.copy2(director_binary(), self.bin)
        self.conf = os.path.join(self.wd, "t.conf")
        with open(self.conf, "w") as f:
            f.write(EMPTY_CONF)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        self.h.kill_all()
        remove_workdir(self.wd)

    def start(self, extra=(), cwd=None, sock=None, pid=None):
        """`director run` in the namespace; returns (process, socket path, log path)."""
        sock = sock or os.path.join(self.wd, "run", "ctl.sock")
        pid = pid or os.path.join(self.wd, "run", "pid")
        log = os.path.join(self.wd, f"log{len(self.procs)}")
        # One state dir per pid file, as two directors on one host would be set up.
        if "--state-dir" not in extra:
            extra = (*extra, "--state-dir", pid + ".state")
        argv = [self.bin, "run", "-f", self.conf, "--control-socket", sock, "--pid-file", pid, *extra]
        with open(log, "wb") as out:
            p = self.h.popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        self.procs.append(p)
        return p, os.path.join(cwd or "", sock), log

    def wait_ready(self, p, sock, log):
        wait_until(lambda: p.poll() is not None or os.path.exists(sock), 5, "socket created or exit")
        self.assertIsNone(p.poll(), f"director exited {p.returncode}: {text(log)}")

    def status(self, sock, *flags):
        return subprocess.run([self.bin, "status", "--control-socket", sock, *flags], capture_output=True,
                              text=True, timeout=15)

    def counters(self, sock):
        r = self.status(sock, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["control_socket"]

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 0)

    # --- control socket guards ---

    def test_non_root_peer_is_refused_with_an_error_and_a_log_line(self):
        p, sock, log = self.start()
        self.wait_ready(p, sock, log)
        self.assertEqual(os.stat(sock).st_mode & 0o7777, 0o600)
        as_nobody = ["runuser", "-u", "nobody", "--", self.bin, "status", "--control-socket", sock]
        r = self.h.run(as_nobody, check=False)
        self.assertNotEqual(r.returncode, 0, "nobody read the status through a 0600 socket")

        # Even when someone loosens the mode, the daemon checks who is asking (SO_PEERCRED).
        os.chmod(os.path.dirname(sock), 0o755)
        os.chmod(sock, 0o666)
        r = self.h.run(as_nobody, check=False)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("permission denied", r.stderr)
        self.assertNotIn("vrrp", r.stdout)
        wait_until(lambda: "refused a client with uid 65534" in text(log), 2, "refusal logged")
        self.assertEqual(self.counters(sock)["refused_peer"], 1)
        self.assertIsNone(p.poll())
        self.stop(p)

    def test_idle_client_is_dropped_after_the_timeout_while_others_are_served(self):
        p, sock, log = self.start()
        self.wait_ready(p, sock, log)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
            idle.connect(sock)
            idle.sendall(b"stat")  # no newline, ever
            t0 = time.monotonic()
            r = self.status(sock)
            self.assertEqual(r.returncode, 0, "another client was not served while one sat idle")
            idle.settimeout(IDLE_TIMEOUT + SLACK + 1)
            self.assertEqual(idle.recv(100), b"", "the idle client was not dropped")
            waited = time.monotonic() - t0
        self.assertGreaterEqual(waited, IDLE_TIMEOUT - 0.5)
        self.assertEqual(self.counters(sock)["idle_timeouts"], 1)
        self.stop(p)

    def test_oversize_request_is_refused_with_an_error(self):
        p, sock, log = self.start()
        self.wait_ready(p, sock, log)
        reply = request(sock, b"x" * (70 * 1024))
        self.assertIn("longer than 65536 bytes", reply["error"])
        self.assertEqual(self.counters(sock)["oversize"], 1)
        self.stop(p)

    def test_clients_beyond_the_cap_are_refused_at_once(self):
        p, sock, log = self.start()
        self.wait_ready(p, sock, log)
        held = []
        try:
            for _ in range(MAX_CLIENTS):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sock)
                held.append(s)
            t0 = time.monotonic()
            reply = request(sock, b"status\n")
            self.assertLess(time.monotonic() - t0, 1.0, "the extra client waited instead of being refused")
            self.assertIn("busy", reply["error"])
        finally:
            for s in held:
                s.close()
        wait_until(lambda: self.status(sock).returncode == 0, 5, "served again once the clients left")
        self.assertGreaterEqual(self.counters(sock)["refused_busy"], 1)
        self.stop(p)

    # --- command line ---

    def test_relative_control_socket_and_pid_file_without_a_directory(self):
        cwd = os.path.join(self.wd, "cwd")
        os.mkdir(cwd)
        p, _, log = self.start(cwd=cwd, sock="d.sock", pid="d.pid")
        sock = os.path.join(cwd, "d.sock")
        self.wait_ready(p, sock, log)
        self.assertTrue(os.path.exists(os.path.join(cwd, "d.pid")))
        r = self.status(sock, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["control_socket"]["path"], sock)
        self.stop(p)
        self.assertFalse(os.path.exists(sock))
        self.assertFalse(os.path.exists(os.path.join(cwd, "d.pid")))

    def test_pid_file_symlink_is_refused(self):
        victim = os.path.join(self.wd, "victim")
        with open(victim, "w") as f:
            f.write("keep me\n")
        pid = os.path.join(self.wd, "d.pid")
        os.symlink(victim, pid)
        p, sock, log = self.start(pid=pid)
        try:
            rc = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.fail("the director started through a symlinked pid file")
        self.assertEqual(rc, 1)
        self.assertIn(f"pid file {pid} is a symbolic link", text(log))
        with open(victim) as f:
            self.assertEqual(f.read(), "keep me\n")

    def test_log_level_names_keepalived_and_spdlog_users_write(self):
        p, sock, log = self.start(extra=["--log-level", "warning"])
        self.wait_ready(p, sock, log)
        self.stop(p)
        self.assertNotIn("starting", text(log), "info lines logged at level warning")
        r = subprocess.run([self.bin, "run", "-f", self.conf, "--log-level", "loud"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("loud is not one of trace|debug|info|warn|warning|err|error|critical|off", r.stderr)

    def test_version_commands(self):
        lvscare = os.path.join(self.wd, "lvscare")
        os.symlink(self.bin, lvscare)
        for argv, program in (([self.bin, "--version"], "director"), ([self.bin, "-v"], "director"),
                              ([self.bin, "version"], "director"), ([lvscare, "version"], "lvscare"),
                              ([lvscare, "--version"], "lvscare")):
            r = subprocess.run(argv, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, f"{argv}: {r.stderr}")
            self.assertRegex(r.stdout, rf"^{program} \d+\.\d+\.\d+( \(commit [0-9a-f]+\))?\n$")

    def test_lvscare_help_lists_only_lvscare_commands(self):
        lvscare = os.path.join(self.wd, "lvscare")
        os.symlink(self.bin, lvscare)
        out = subprocess.run([lvscare, "--help"], capture_output=True, text=True).stdout
        commands = re.findall(r"^  (\S+) ", out.split("Subcommands:")[1], re.M)
        self.assertEqual(sorted(commands), ["care", "version"])

    def test_status_is_short_by_default_with_verbose_and_json_for_the_rest(self):
        p, sock, log = self.start()
        self.wait_ready(p, sock, log)
        short = self.status(sock)
        self.assertEqual(short.returncode, 0, short.stderr)
        self.assertRegex(short.stdout, r"^director \S+, pid \d+, up \d+s, config " + re.escape(self.conf) + "\n")
        self.assertLess(len(short.stdout.splitlines()), 5, short.stdout)
        verbose = self.status(sock, "--verbose")
        self.assertIn("\ncontrol_socket:\n  accept_errors: 0\n  accepted: ", verbose.stdout)
        raw = self.status(sock, "--json")
        self.assertEqual(json.loads(raw.stdout)["config"], self.conf)
        self.stop(p)

    def test_status_requests_at_once_during_a_reload_and_a_stop_while_documents_are_built(self):
        # Status documents and /metrics texts are built on a worker thread from snapshots the loop takes:
        # many at once, a reload between snapshot and build, and a stop with builds still queued must all
        # stay consistent and exit cleanly. 2,000 checked real servers (refused at once on 127.0.0.1, so
        # quietly) make each build take long enough to overlap.
        def config(n):
            servers = "".join(f"    real_server 127.0.0.1 {2000 + i} {{\n        TCP_CHECK {{\n"
                              f"            connect_timeout 1\n        }}\n    }}\n" for i in range(n))
            return f"virtual_server 198.18.9.1 80 {{\n    protocol TCP\n    delay_loop 60\n{servers}}}\n"

        with open(self.conf, "w") as f:
            f.write(config(2000))
        p, sock, log = self.start(("--metrics-listen", "127.0.0.1:19650"))
        self.wait_ready(p, sock, log)
        with open(self.conf, "w") as f:
            f.write(config(2001))
        replies, errors = {}, []

        def ask(key, data):
            try:
                replies[key] = request(sock, data, timeout=60)
            except Exception as e:  # noqa: BLE001 - reported below with the request that failed
                errors.append(f"{key}: {e!r}")

        def scrape(key):
            try:
                cmd = ["curl", "-sf", "--max-time", "30", "http://127.0.0.1:19650/metrics"]
                replies[key] = self.h.run(cmd).stdout
            except Exception as e:  # noqa: BLE001
                errors.append(f"{key}: {e!r}")

        threads = [threading.Thread(target=ask, args=(f"status{i}", b"status\n")) for i in range(12)]
        threads.insert(6, threading.Thread(target=ask, args=("reload", b"reload\n")))
        threads += [threading.Thread(target=scrape, args=(f"metrics{i}",)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        self.assertEqual(errors, [])
        self.assertTrue(replies["reload"]["reload"]["ok"], replies["reload"])
        for i in range(12):
            lvs = replies[f"status{i}"]["lvs"]
            # Each document is one config's, whole: before the reload or after, never a mix.
            n = len(lvs["membership"][0]["real_servers"])
            self.assertIn(n, (2000, 2001))
            self.assertEqual(lvs["health_checks"]["checkers"], n)
        for i in range(3):
            up = [line for line in replies[f"metrics{i}"].splitlines() if line.startswith("director_real_server_up{")]
            self.assertIn(len(up), (2000, 2001))
        after = request(sock, b"status\n")
        self.assertEqual(len(after["lvs"]["membership"][0]["real_servers"]), 2001)
        self.assertEqual(after["control_socket"]["handler_errors"], 0)
        self.assertIn("unknown request 'status please'", request(sock, b"status please\n")["error"])

        # A stop with builds queued: the daemon exits 0 without answering them, and nothing crashes.
        clients = []
        for _ in range(8):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            s.sendall(b"status\n")
            clients.append(s)
        self.stop(p)
        for s in clients:
            s.close()
        self.assertNotIn("internal error", text(log))


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (a second uid, network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
