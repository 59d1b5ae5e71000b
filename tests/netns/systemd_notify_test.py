#!/usr/bin/python3
"""What systemd hears from `director run` (root; namespaces only, 198.18.0.0/15), on a NOTIFY_SOCKET datagram
socket the test owns, with WATCHDOG_USEC set as systemd sets it for WatchdogSec=: READY=1 with a STATUS= line
once the config is applied, STATUS= again when the instance becomes master, WATCHDOG=1 at half the watchdog
interval from the event loop, RELOADING=1 then READY=1 around a reload, STOPPING=1 at SIGTERM; and no
WATCHDOG=1 while the loop is stopped (SIGSTOP), so systemd would restart a wedged daemon. With
JOURNAL_STREAM naming stderr, every log line starts with its syslog priority."""
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import ThreeHostCase, director_binary, instance_conf, master_down, wait_until  # noqa: E402


class Listener:
    """Every datagram received, with its arrival time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []

    def read_until(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            self.messages.append((time.monotonic(), msg))
            if predicate(msg):
                return msg
        raise TimeoutError("not heard; got " + repr([m for _, m in self.messages][-10:]))

    def firsts(self, exclude=("WATCHDOG=1",)):
        return [m.split("\n")[0] for _, m in self.messages if m.split("\n")[0] not in exclude]


class SystemdNotifyTest(ThreeHostCase):
    PREFIX = "sdn"

    def test_ready_status_watchdog_reloading_stopping_in_order(self):
        path = os.path.join(self.wd, "notify.sock")
        ear = Listener(path)
        self.addCleanup(ear.sock.close)
        d = self.daemon(self.a, "a", instance_conf(150, "MASTER"),
                        env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
        ready = ear.read_until(lambda m: m.startswith("READY=1"), 10)
        self.assertIn("STATUS=VI_1 BACKUP prio 150", ready.split("\n"))
        ear.read_until(lambda m: m == "STATUS=VI_1 MASTER prio 150", master_down(150) + 3)
        # WATCHDOG=1 every 200 ms (half of WATCHDOG_USEC): count them over two seconds.
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2:
            ear.read_until(lambda m: m == "WATCHDOG=1", 1)
        beats = [t for t, m in ear.messages if m == "WATCHDOG=1" and t >= t0 - 0.25]
        self.assertGreaterEqual(len(beats), 8, beats)
        self.assertLessEqual(max(b - a for a, b in zip(beats, beats[1:])), 0.2 + 0.15)
        # A stopped loop sends nothing.
        d.signal(signal.SIGSTOP)
        time.sleep(0.1)
        n = len(ear.messages)
        time.sleep(1)
        ear.sock.settimeout(0.01)
        try:
            while True:
                ear.messages.append((time.monotonic(), ear.sock.recv(4096).decode()))
        except socket.timeout:
            pass
        self.assertLessEqual(len(ear.messages) - n, 1, "heard while SIGSTOPped: " + repr(ear.messages[n:]))
        d.signal(signal.SIGCONT)
        ear.read_until(lambda m: m == "WATCHDOG=1", 2)
        r = subprocess.run([director_binary(), "reload", "--control-socket", d.sock], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        ear.read_until(lambda m: m.startswith("READY=1"), 10)
        d.signal(signal.SIGTERM)
        stopping = ear.read_until(lambda m: m.startswith("STOPPING=1"), 10)
        self.assertIn("STATUS=stopping: received SIGTERM", stopping.split("\n"))
        self.assertEqual(d.wait_exit(10), 0)
        self.assertEqual(ear.firsts(), ["READY=1", "STATUS=VI_1 MASTER prio 150", "RELOADING=1", "READY=1",
                                        "STOPPING=1"], ear.messages)

    def test_lines_carry_their_syslog_priority_when_stderr_is_the_journal(self):
        # The log file stands in for the journal's stream: JOURNAL_STREAM names it, as systemd would.
        log = os.path.join(self.wd, "a", "log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        open(log, "w").close()
        st = os.stat(log)
        d = self.daemon(self.a, "a", instance_conf(150, "MASTER"),
                        env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        wait_until(lambda: "VI_1) BACKUP -> MASTER" in d.log(), master_down(150) + 3, "a master")
        d.signal(signal.SIGUSR1)
        wait_until(lambda: "status {" in d.log(), 5, "status dumped")
        lines = [l for l in d.log().splitlines() if l]
        self.assertTrue(all(l.startswith(("<7>", "<6>", "<4>", "<3>", "<2>")) for l in lines), lines[:5])
        self.assertTrue(any(l.startswith("<6>info VRRP_Instance(VI_1) BACKUP -> MASTER") for l in lines), lines)
        d.signal(signal.SIGXFSZ)  # logged as a warning: "received SIGXFSZ: ignored"
        wait_until(lambda: "SIGXFSZ" in d.log(), 5, "warning logged")
        self.assertTrue(any(l.startswith("<4>warning received SIGXFSZ") for l in d.log().splitlines()), d.log()[-500:])


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
