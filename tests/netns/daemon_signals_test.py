#!/usr/bin/python3
"""Fail safe (root): no signal and no status request may end a director MASTER without the orderly stop.
Hosts a (MASTER, priority 110) and b (BACKUP, 100) share a bridge; VIP 198.18.0.100. After each signal the
VIP must be on exactly one node: either a kept running and holds it, or a stopped in order (priority-0
advert, VIP, pid file and socket removed) and b holds it."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_harness import (SLACK, Daemon, ThreeHostCase, director_binary, instance_conf, master_down,  # noqa: E402
                          skew, wait_until, write_script)

# Handled without stopping: logged, counted in status["signals"], the master keeps advertising.
SURVIVED = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGALRM, signal.SIGXFSZ,
            signal.SIGVTALRM, signal.SIGPROF, signal.SIGIO, signal.SIGPWR, signal.SIGSTKFLT, signal.SIGRTMIN,
            signal.SIGRTMIN + 5, signal.SIGRTMAX]
# The C library's own real-time signals (below SIGRTMIN): blocked, so they stay pending and harmless.
RESERVED = list(range(32, signal.SIGRTMIN))
# Routed to the orderly stop, as SIGTERM.
STOPPING = [signal.SIGQUIT, signal.SIGXCPU]


def name(sig):
    """The daemon's name for a signal: SIGHUP, SIGRTMIN, SIGRTMIN+5."""
    if signal.SIGRTMIN <= sig <= signal.SIGRTMAX:
        return "SIGRTMIN" if sig == signal.SIGRTMIN else f"SIGRTMIN+{sig - signal.SIGRTMIN}"
    return signal.Signals(sig).name


def pending(pid, sig):
    """Whether `sig` is pending for the process (shared pending set in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("ShdPnd:"):
                return bool(int(line.split()[1], 16) & (1 << (sig - 1)))
    return False


def logged_json(log, prefix):
    """The JSON document on the log line that contains `prefix`, parsed."""
    for line in log.splitlines():
        if prefix in line:
            return json.loads(line.split(prefix, 1)[1])
    return None


class DaemonSignals(ThreeHostCase):
    PREFIX = "dsig"

    def elect(self, conf_a=None, suffix=""):
        da = self.daemon(self.a, "a" + suffix, conf_a or instance_conf(110, "MASTER"))
        db = self.daemon(self.b, "b" + suffix, instance_conf(100))
        wait_until(lambda: da.has_vip() and da.state() == "MASTER", master_down(110) + 2, "a becomes master")
        wait_until(lambda: db.state() == "BACKUP", 2, "b is backup")
        return da, db

    def assert_vip_only_on(self, holder, other, seconds):
        """For `seconds` (longer than the other's Master_Down_Interval): the VIP is on holder only."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.assertTrue(holder.has_vip(), f"{holder.name} lost the VIP")
            self.assertFalse(other.has_vip(), f"{other.name} holds the VIP too")
            time.sleep(0.1)

    def test_master_survives_every_non_stop_signal_and_keeps_the_only_vip(self):
        da, db = self.elect()
        pid = da.proc.pid  # `ip netns exec` execs the director: same process
        for sig in SURVIVED:
            n = name(sig)
            da.signal(sig)
            wait_until(lambda: not da.alive() or (da.status() or {}).get("signals", {}).get(n, 0) >= 1, 5,
                       f"{n} handled or fatal")
            self.assertTrue(da.alive(), f"{n} ended the master (exit status {da.proc.returncode})")
        for sig in RESERVED:
            os.kill(pid, sig)
            wait_until(lambda: not da.alive() or pending(pid, sig), 5, f"signal {sig} pending or fatal")
            self.assertTrue(da.alive(), f"signal {sig} ended the master (exit status {da.proc.returncode})")

        log = da.log()
        self.assertIn("SIGHUP: reloading ", log)
        self.assertIn("reload #1 done", log)
        dumped = logged_json(log, "SIGUSR1: status ")
        self.assertIsNotNone(dumped, "SIGUSR1 wrote no status to the log")
        self.assertEqual(dumped["vrrp"]["instances"][0]["state"], "MASTER")
        counters = logged_json(log, "SIGUSR2: counters ")
        self.assertIsNotNone(counters, "SIGUSR2 wrote no counters to the log")
        self.assertGreater(counters["vrrp"]["instances"][0]["adverts_sent"], 0)
        self.assertEqual(counters["signals"]["SIGUSR1"], 1)

        self.assert_vip_only_on(da, db, master_down(100) + SLACK)
        self.assertEqual(db.state(), "BACKUP")
        self.assertEqual(db.instance()["master"], "198.18.0.1")

    def test_stop_signals_hand_the_vip_over_like_sigterm(self):
        for sig in STOPPING:
            with self.subTest(signal=name(sig)):
                da, db = self.elect(suffix=name(sig))
                da.signal(sig)
                wait_until(db.has_vip, skew(100) + SLACK, f"b holds the VIP within Skew_Time after {name(sig)}")
                self.assertEqual(da.wait_exit(), 0)
                self.assertFalse(da.has_vip(), f"a left its VIP behind on {name(sig)}")
                self.assertFalse(os.path.exists(os.path.join(da.dir, "pid")), "pid file left behind")
                self.assertFalse(os.path.exists(da.sock), "control socket left behind")
                self.assertEqual(db.state(), "MASTER")
                db.signal(signal.SIGTERM)
                self.assertEqual(db.wait_exit(), 0)

    def test_status_with_latin1_instance_name_and_0xff_request_keep_the_master(self):
        da = Daemon(self.a, self.wd, "a", "")
        with open(da.conf, "wb") as f:  # an instance name in Latin-1: "VI_é" as one 0xe9 byte
            f.write(instance_conf(110, "MASTER").encode().replace(b"VI_1", b"VI_\xe9"))
        check = subprocess.run([director_binary(), "check", "-f", da.conf], capture_output=True)
        self.assertEqual(check.returncode, 0, "precondition: director check accepts the config")
        self.daemons.append(da)
        da.start()
        db = self.daemon(self.b, "b", instance_conf(100))
        wait_until(da.has_vip, master_down(110) + 2, "a takes the VIP")
        wait_until(lambda: db.state() == "BACKUP", 2, "b is backup")

        r = subprocess.run([director_binary(), "status", "--control-socket", da.sock, "--json"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["vrrp"]["instances"][0]["name"], "VI_\ufffd")
        r = subprocess.run([director_binary(), "status", "--control-socket", da.sock], capture_output=True,
                           timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"vrrp_instance VI_", r.stdout)
        self.assertTrue(da.alive(), "status ended the master")

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(da.sock)
            s.sendall(b"st\xffatus\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.assertIn("unknown request", json.loads(reply)["error"])
        self.assertTrue(da.alive(), "a request with a 0xff byte ended the master")
        self.assertEqual(da.state(), "MASTER")
        self.assertTrue(da.has_vip() and not db.has_vip())

    def test_scripts_still_start_with_default_signal_dispositions(self):
        out = os.path.join(self.wd, "sig")
        # Read with shell builtins only: while the shell forks a command (dash uses vfork) it blocks every
        # signal itself, and a command reading /proc/$$/status then would see the shell's mask of the moment.
        script = write_script(self.wd, "sig.sh", 'while read -r k v; do case $k in SigBlk:|SigIgn:) echo "$k$v";; esac; '
                              f'done < /proc/$$/status > {out}.tmp && mv {out}.tmp {out}\n')
        scripts = f"vrrp_script sig {{\n    script \"{script}\"\n    interval 1\n}}"
        track = "    track_script {\n        sig\n    }"
        da = self.daemon(self.a, "a", instance_conf(110, "MASTER", scripts=scripts, track=track))
        wait_until(lambda: os.path.exists(out), 5, "the track script ran")
        with open(out) as f:
            lines = dict(line.split(":") for line in f.read().splitlines() if line)
        self.assertEqual(int(lines["SigBlk"], 16), 0, "the script started with signals blocked")
        self.assertEqual(int(lines["SigIgn"], 16), 0, "the script started with signals ignored")
        self.assertTrue(da.alive())


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
