#!/usr/bin/python3
"""`director run` with more health checks than its open-files limit allows (root: the daemon runs only in a
namespace this suite creates; all traffic stays on that namespace's 127.0.0.1). 100 HTTP_GET checkers with
keep-alive each hold a socket, against one local HTTP/1.1 server, under `prlimit --nofile=64:64`:
- one warning at start naming the limit (64), the need (100 kept + 64 for the daemon) and the fixes, and
  the same numbers in `director status --json`;
- the daemon keeps running: checks that got a socket pass, the others fail with a clear "Too many open
  files" error and are counted as failed checks; the control socket and the /metrics endpoint still
  answer, again and again, without a busy loop (CPU time stays low), and say so once in the log;
- a reload weighs the new config again (warned again when it does not fit, silent when it does; a reload
  that cannot even open the file for want of descriptors is rejected with that reason); with a limit that
  suffices there is no warning at all."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import Topology, director_binary, make_workdir, remove_workdir, wait_until  # noqa: E402

CHECKERS = 100
PORT = 8080
DAEMON_ALLOWANCE = 64  # kDaemonDescriptors in director/open_files_budget.hpp
METRICS = "127.0.0.1:9650"

# HTTP/1.1 with Content-Length, so the daemon keeps each checker's connection between checks.
SERVER = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

# One scrape in its own process (its descriptors are not the daemon's): the status line, then the body;
# "refused" when the connection was closed or reset without an answer, "timeout" when none came in 10 s.
SCRAPE = r"""
import sys, urllib.request
try:
    r = urllib.request.urlopen("http://%s/metrics" % sys.argv[1], timeout=10)
    sys.stdout.write("%d\n" % r.status + r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write("%d\n" % e.code)
except (ConnectionError, urllib.error.URLError) as e:
    sys.stdout.write("refused\n%s" % e)
except TimeoutError as e:
    sys.stdout.write("timeout\n%s" % e)
"""


def config(checkers):
    """`checkers` real servers (198.18.1.x, never contacted) whose HTTP_GET connects to 127.0.0.1:PORT."""
    s = "global_defs {\n    router_id ofl\n}\nvirtual_server 198.18.9.1 80 {\n    delay_loop 2\n    protocol TCP\n"
    for i in range(checkers):
        s += (f"    real_server 198.18.1.{i + 1} {PORT} {{\n        HTTP_GET {{\n            url {{\n"
              f"                path /\n            }}\n            connect_ip 127.0.0.1\n"
              f"            connect_timeout 1\n        }}\n    }}\n")
    return s + "}\n"


def text(path):
    with open(path, errors="replace") as f:
        return f.read()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class OpenFilesLimit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.topo = Topology("ofl", bridge=False).__enter__()
        cls.h = cls.topo.host("h")
        cls.server = cls.h.popen(["/usr/bin/python3", "-c", SERVER, str(PORT)])
        wait_until(lambda: cls.h.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{PORT}"], check=False).returncode == 0,
                   10, "HTTP server listening")

    @classmethod
    def tearDownClass(cls):
        cls.topo.__exit__(None, None, None)

    def setUp(self):
        self.wd = make_workdir("/tmp/ofl-")
        self.conf = os.path.join(self.wd, "t.conf")
        with open(self.conf, "w") as f:
            f.write(config(CHECKERS))
        self.sock = os.path.join(self.wd, "ctl.sock")
        self.log = os.path.join(self.wd, "log")
        self.p = None

    def tearDown(self):
        if self.p and self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        remove_workdir(self.wd)

    def start(self, nofile, extra=()):
        argv = ["prlimit", f"--nofile={nofile}:{nofile}", director_binary(), "run", "-f", self.conf,
                "--control-socket", self.sock, "--pid-file", os.path.join(self.wd, "pid"),
                "--state-dir", os.path.join(self.wd, "state"), *extra]
        with open(self.log, "wb") as out:
            self.p = self.h.popen(argv, stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: self.p.poll() is not None or "starting: config" in text(self.log), 10, "daemon started")
        self.assertIsNone(self.p.poll(), text(self.log))

    def daemon_pid(self):
        return int(text(os.path.join(self.wd, "pid")).split()[0])

    def status(self):
        r = subprocess.run([director_binary(), "status", "--control-socket", self.sock, "--json"], capture_output=True,
                           text=True, timeout=15)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + text(self.log)[-3000:])
        return json.loads(r.stdout)

    def scrape(self):
        r = self.h.run(["/usr/bin/python3", "-c", SCRAPE, METRICS], check=False, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        status, _, body = r.stdout.partition("\n")
        return status, body

    def warnings(self):
        return [line for line in text(self.log).splitlines() if "open files limit" in line and "is below" in line]

    def test_too_low_a_limit_is_warned_about_and_the_daemon_keeps_checking_and_answering(self):
        self.start(64)
        need = CHECKERS + DAEMON_ALLOWANCE
        (warning,) = self.warnings()
        for part in ("open files limit 64 is below", f"the {need} descriptors", f"{CHECKERS} kept by keep-alive",
                     "LimitNOFILE=", "keepalive_requests 1"):
            self.assertIn(part, warning)
        self.assertEqual(self.status()["open_files"], {"limit": 64, "needed": need})

        # Health checks run out of descriptors: the ones without a socket fail, with the reason, and count
        # as failed checks; the ones holding a connection keep passing.
        wait_until(lambda: "socket: Too many open files (open files limit reached" in text(self.log), 15,
                   "a check failing for want of a descriptor")
        checks = self.status()["lvs"]["health_checks"]
        self.assertEqual(checks["checkers"], CHECKERS)
        self.assertGreater(checks["failed"], 0, checks)
        self.assertGreater(checks["checks"], checks["failed"], checks)

        # Still answering, again and again, each answer given with the descriptor kept in reserve; and not
        # spinning on the listening socket meanwhile.
        pid = self.daemon_pid()
        cpu_before, t0 = cpu_seconds(pid), time.monotonic()
        for _ in range(5):
            s = self.status()
            self.assertGreater(s["control_socket"]["accept_errors"], 0, s["control_socket"])
            time.sleep(0.5)
        used, elapsed = cpu_seconds(pid) - cpu_before, time.monotonic() - t0
        self.assertLess(used, 0.5 * elapsed, f"{used:.2f} s of CPU in {elapsed:.1f} s: a busy loop")
        self.assertEqual(text(self.log).count("out of file descriptors; clients are served"), 1)

        # Out of descriptors, a reload cannot even open the file: rejected with that reason, old config kept.
        os.kill(pid, signal.SIGHUP)
        wait_until(lambda: "reload #1 rejected" in text(self.log), 15, "reload rejected")
        self.assertIn("cannot open config file: Too many open files", text(self.log))
        self.assertEqual(self.status()["lvs"]["health_checks"]["checkers"], CHECKERS)
        self.p.send_signal(signal.SIGTERM)
        self.assertEqual(self.p.wait(timeout=15), 0, text(self.log)[-3000:])

    def test_scrapes_out_of_descriptors_are_answered_without_a_busy_loop(self):
        self.start(64, ["--metrics-listen", METRICS])
        wait_until(lambda: "socket: Too many open files (open files limit reached" in text(self.log), 15,
                   "a check failing for want of a descriptor")
        pid = self.daemon_pid()
        cpu_before, t0 = cpu_seconds(pid), time.monotonic()
        answered = 0
        for _ in range(6):
            status, body = self.scrape()
            self.assertIn(status, ("200", "refused"), body)
            if status == "200":
                answered += 1
                self.assertIn("director_open_files_limit 64", body)
            time.sleep(0.5)
        used, elapsed = cpu_seconds(pid) - cpu_before, time.monotonic() - t0
        self.assertLess(used, 0.5 * elapsed, f"{used:.2f} s of CPU in {elapsed:.1f} s: a busy loop")
        # Each scrape is let in with the descriptor kept in reserve, and taken back when it closes.
        self.assertEqual(answered, 6)
        self.assertIsNone(self.p.poll(), text(self.log)[-3000:])
        self.assertEqual(text(self.log).count(f"metrics {METRICS}: out of file descriptors; clients are served"), 1,
                         text(self.log)[-3000:])
        # The failed accepts are counted, in the status and as a metric.
        errors = self.status()["metrics"]["accept_errors"]
        self.assertGreaterEqual(errors, 6)
        status, body = self.scrape()
        self.assertEqual(status, "200")
        (line,) = [x for x in body.splitlines() if x.startswith("director_metrics_accept_errors_total ")]
        self.assertGreaterEqual(float(line.split()[1]), errors)
        self.p.send_signal(signal.SIGTERM)
        self.assertEqual(self.p.wait(timeout=15), 0, text(self.log)[-3000:])

    def test_each_reload_weighs_the_new_config_against_the_limit(self):
        # 60 keep-alive checkers under 100 descriptors: 124 needed, about 80 in use, so reloads can be read.
        with open(self.conf, "w") as f:
            f.write(config(60))
        self.start(100)
        self.assertEqual(len(self.warnings()), 1, text(self.log))
        pid = self.daemon_pid()

        def reload_to(checkers, number):
            with open(self.conf, "w") as f:
                f.write(config(checkers))
            os.kill(pid, signal.SIGHUP)
            wait_until(lambda: f"reload #{number} done" in text(self.log) or f"reload #{number} rejected" in text(self.log),
                       15, f"reload #{number}")
            self.assertIn(f"reload #{number} done", text(self.log))
            return self.status()["open_files"]

        self.assertEqual(reload_to(30, 1), {"limit": 100, "needed": 30 + DAEMON_ALLOWANCE})
        self.assertEqual(len(self.warnings()), 1, "a config that fits was warned about")
        self.assertEqual(reload_to(60, 2), {"limit": 100, "needed": 60 + DAEMON_ALLOWANCE})
        self.assertEqual(len(self.warnings()), 2, text(self.log)[-3000:])
        self.assertIn("open files limit 100 is below the 124 descriptors", self.warnings()[-1])
        self.p.send_signal(signal.SIGTERM)
        self.assertEqual(self.p.wait(timeout=15), 0, text(self.log)[-3000:])

    def test_a_limit_that_suffices_is_not_warned_about(self):
        self.start(1024)
        wait_until(lambda: self.status()["lvs"]["health_checks"]["checks"] >= CHECKERS, 15, "every checker ran")
        self.assertEqual(self.status()["open_files"], {"limit": 1024, "needed": CHECKERS + DAEMON_ALLOWANCE})
        self.assertEqual(self.warnings(), [])
        self.assertEqual(self.status()["lvs"]["health_checks"]["failed"], 0)
        self.p.send_signal(signal.SIGTERM)
        self.assertEqual(self.p.wait(timeout=15), 0)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
