#!/usr/bin/python3
"""Live reload of a VRRP pair (root; namespaces only, 198.18.0.0/15). Hosts a (master, priority 150)
and b (backup, 100) share a bridge with an observer c that captures the wire:
- a reload with nothing changed moves no state, resets no counter (a track script's included) and sends
  no gratuitous ARP;
- an instance removed from the master's file hands over with a priority-0 advert; a new one starts fresh;
- a VIP added on the master comes up with a GARP burst for it alone; the old VIP is never absent;
- raising the backup's priority above the master's makes it take over, as preemption says;
- a broken file is refused with file:line, the master keeps its VIP, and status shows the rejection;
- reloads sent while one runs are folded into one more; SIGHUP reloads like `director reload`;
- while a config of 1,000 virtual servers x 10 real servers is reloaded, the master's adverts keep
  their schedule (largest gap on the wire within advert_int + 50 ms);
- systemd hears RELOADING=1 then READY=1 on a NOTIFY_SOCKET the test owns."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import (SLACK, VIP, Capture, ThreeHostCase, director_binary, instance_conf,  # noqa: E402
                          master_down, skew, wait_until, write_script)

VIP2 = "198.18.0.101"


def conf(prio, state="BACKUP", vips=(VIP,), extra="", services="", scripts="", track=""):
    # garp_master_delay 0: no second GARP burst 5 s after becoming master, so every GARP on the wire
    # after the election is one a reload caused.
    text = instance_conf(prio, state, extra="    garp_master_delay 0\n" + extra, scripts=scripts, track=track)
    if len(vips) > 1:
        text = text.replace(f"{VIP}/24 dev eth0", "\n        ".join(f"{v}/24 dev eth0" for v in vips))
    return text + services


def large_services(n_services=1000, per_service=10, weight=1, changed=0):
    """n_services TCP services on 198.19.x.y (never the VIP, so the instance is not tied to IPVS)."""
    out = []
    for s in range(n_services):
        addr = f"198.19.{s // 250}.{s % 250 + 1}"
        out.append(f"virtual_server {addr} 443 {{\n    protocol TCP\n    lb_algo rr\n    lb_kind NAT\n")
        for r in range(per_service):
            w = weight + (1 if s < changed else 0)
            out.append(f"    real_server 198.18.{100 + s // 250}.{(s % 250) + 1} {6000 + r} {{\n"
                       f"        weight {w}\n    }}\n")
        out.append("}\n")
    return "".join(out)


def write(daemon, text):
    # Written beside and renamed, as an editor or config management does: a reload never reads half a file.
    tmp = daemon.conf + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, daemon.conf)


def reload(daemon, timeout=60):
    return subprocess.run([director_binary(), "reload", "--control-socket", daemon.sock],
                          capture_output=True, text=True, timeout=timeout + 5)


class VipWatch:
    """Polls every 50 ms that `addr` stays on `host`; records every poll that missed it."""

    def __init__(self, host, addr):
        self.host, self.addr, self.misses, self.polls = host, addr, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.polls += 1
            if not self.host.has_address(self.addr, "eth0"):
                self.misses += 1
            self._stop.wait(0.05)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.misses


def garp_targets(lines):
    """Addresses a gratuitous ARP (who-has X tell X) announced, in capture order."""
    out = []
    for line in lines:
        if "Request who-has" not in line:
            continue
        words = line.replace(",", " ").split()
        target = words[words.index("who-has") + 1]
        if "tell" in words and words[words.index("tell") + 1] == target:
            out.append(target)
    return out


def advert_times(lines, source):
    """Capture timestamps (tcpdump -tt) of the adverts `source` sent, priority above 0."""
    out, stamp = [], None
    for line in lines:
        # With -v the packet's second line carries the VRRP fields; the first carries the time.
        first = line.split(" ", 1)[0]
        if first and first[0].isdigit():
            stamp = float(first)
        if f"{source} > 224.0.0.18: VRRPv2, Advertisement" in line and ", prio 0," not in line:
            out.append(stamp)
    return out


class Reload(ThreeHostCase):
    PREFIX = "rld"

    def elect(self, conf_a=None, conf_b=None):
        da = self.daemon(self.a, "a", conf_a or conf(150, "MASTER"))
        db = self.daemon(self.b, "b", conf_b or conf(100))
        wait_until(lambda: da.state() == "MASTER" and da.has_vip(), master_down(150) + 3, "a becomes master")
        wait_until(lambda: db.state() == "BACKUP" and db.instance()["master"] == "198.18.0.1", 3, "b is backup")
        return da, db

    def test_reload_with_nothing_changed_moves_no_state_and_sends_no_garp(self):
        check = write_script(self.wd, "check.sh", "exit 0\n")
        scripts = f"vrrp_script chk {{\n    script \"{check}\"\n    interval 1\n    rise 3\n    fall 3\n}}\n"
        track = "    track_script {\n        chk\n    }"
        da, db = self.elect(conf_a=conf(150, "MASTER", scripts=scripts, track=track))
        wait_until(lambda: da.status()["vrrp"]["scripts"][0]["runs"] >= 2, 5, "the track script ran")
        script_before = da.status()["vrrp"]["scripts"][0]
        before_a, before_b = da.instance(), db.instance()
        cap = Capture(self.c, self.wd, "wire", "arp or ip proto 112", extra=("-tt",))
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing changed", r.stdout)
        da.signal(signal.SIGHUP)
        wait_until(lambda: da.status()["reload"]["reloads"] == 2, 5, "SIGHUP reloads too")
        self.assertEqual(reload(db).returncode, 0)
        time.sleep(2.5)  # two more advert intervals: time for any wrong state change or GARP to show
        after_a, after_b = da.instance(), db.instance()
        self.assertEqual((after_a["state"], after_b["state"]), ("MASTER", "BACKUP"))
        # The state is the one it was (time in state kept growing), counters kept counting, no GARP.
        self.assertGreater(after_a["time_in_state_s"], before_a["time_in_state_s"] + 2)
        self.assertGreater(after_b["time_in_state_s"], before_b["time_in_state_s"] + 2)
        self.assertGreater(after_a["adverts_sent"], before_a["adverts_sent"])
        self.assertEqual(after_a["garps_sent"], before_a["garps_sent"])
        self.assertEqual(garp_targets(cap.lines()), [])
        self.assertTrue(da.has_vip())
        self.assertFalse(db.has_vip())
        self.assertIn("reload #2 done", da.log())
        # The unchanged vrrp_script kept its state: its run count went on, no new rise count.
        script_after = da.status()["vrrp"]["scripts"][0]
        self.assertTrue(script_after["up"])
        self.assertGreaterEqual(script_after["runs"], script_before["runs"] + 2)
        self.assertEqual(da.instance()["effective_priority"], 150)
        self.assertIn("last reload: #2 applied", subprocess.run(
            [director_binary(), "status", "--control-socket", da.sock], capture_output=True, text=True).stdout)

    def test_vip_added_on_master_gets_garp_for_itself_alone_and_old_vip_is_never_absent(self):
        da, db = self.elect()
        watch = VipWatch(self.a, VIP)
        cap = Capture(self.c, self.wd, "wire", "arp", extra=("-tt",))
        write(da, conf(150, "MASTER", vips=(VIP, VIP2)))
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"VIP {VIP2}/24", r.stdout)
        self.assertTrue(self.a.has_address(VIP2, "eth0"), "the new VIP is up when reload returns")
        wait_until(lambda: VIP2 in garp_targets(cap.lines()), 2, "GARP for the new VIP")
        # ...and the VIP dropped again: only it goes.
        write(da, conf(150, "MASTER"))
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(self.a.has_address(VIP2, "eth0"))
        time.sleep(0.5)
        self.assertEqual(watch.stop(), 0, f"{VIP} was missing in some of {watch.polls} polls")
        self.assertGreater(watch.polls, 10)
        self.assertNotIn(VIP, garp_targets(cap.lines()), "GARP went out for the VIP that did not change")
        self.assertEqual(da.state(), "MASTER")
        self.assertEqual(db.state(), "BACKUP")

    def test_instance_removed_on_the_master_hands_over_at_once_and_a_new_one_starts(self):
        da, db = self.elect()
        cap = Capture(self.c, self.wd, "wire", "ip proto 112")
        vip3 = "198.18.0.102"
        other = instance_conf(150, "MASTER", vrid=52, vip=vip3).replace("VI_1", "VI_2")
        write(da, other)
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vrrp_instance VI_1: removed", r.stdout)
        self.assertIn("vrrp_instance VI_2: added", r.stdout)
        # The removed router left as on SIGTERM: a priority-0 advert, so b takes over within Skew_Time.
        wait_until(lambda: db.has_vip() and db.state() == "MASTER", skew(100) + SLACK, "b takes over")
        self.assertFalse(da.has_vip(), "the removed instance's VIP went with it")
        wait_until(lambda: "198.18.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0" in cap.text(), 2,
                   "priority-0 advert for the removed instance")
        # The new instance (vrid 52, nobody else) starts as a fresh one: backup, then master.
        wait_until(lambda: self.a.has_address(vip3, "eth0"), master_down(150) + SLACK + 1, "VI_2 takes its VIP")
        self.assertEqual([i["name"] for i in da.status()["vrrp"]["instances"]], ["VI_2"])
        da.signal(signal.SIGTERM)
        self.assertEqual(da.wait_exit(), 0)
        self.assertFalse(self.a.has_address(vip3, "eth0"))

    def test_raising_the_backups_priority_above_the_masters_takes_over(self):
        da, db = self.elect()
        write(db, conf(200))
        t0 = time.monotonic()
        r = reload(db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("priority 100 -> 200", r.stdout)
        # Preempt is on: b ignores the lower-priority adverts and its Master_Down timer runs out. That
        # timer was armed by the last advert b accepted, before the reload, with priority 100's skew.
        wait_until(lambda: db.has_vip() and db.state() == "MASTER", master_down(100) + SLACK, "b takes over")
        wait_until(lambda: da.state() == "BACKUP" and not da.has_vip(), 2, "a steps down on b's advert")
        sys.stderr.write(f"takeover {time.monotonic() - t0:.3f}s after the reload "
                         f"(Master_Down_Interval at 100 {master_down(100):.3f}s)\n")

    def test_broken_config_is_refused_with_file_and_line_and_the_master_keeps_its_vip(self):
        da, db = self.elect()
        before = da.instance()
        watch = VipWatch(self.a, VIP)
        good = conf(150, "MASTER")
        broken = good.replace("priority 150", "priority high").replace("advert_int 1", "advert_int 1\n    bogus_keyword 3")
        write(da, broken)
        r = reload(da)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        line = broken.splitlines().index("    priority high") + 1
        self.assertIn(f"{da.conf}:{line}:", r.stderr)
        self.assertIn("bogus_keyword", r.stderr, "every error is printed, not only the first")
        self.assertIn("rejected", r.stderr)
        s = da.status()
        self.assertFalse(s["reload"]["last"]["ok"])
        self.assertEqual(s["reload"]["rejected"], 1)
        status_text = subprocess.run([director_binary(), "status", "--control-socket", da.sock],
                                     capture_output=True, text=True).stdout
        self.assertIn("last reload: #1 rejected", status_text)
        self.assertIn(f"{da.conf}:{line}:", da.log())
        # The running config is untouched: a later good reload of the same settings changes nothing.
        write(da, good)
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing changed", r.stdout)
        time.sleep(1.2)
        self.assertEqual(watch.stop(), 0, "the VIP went away during a refused reload")
        self.assertEqual(da.state(), "MASTER")
        self.assertEqual(da.instance()["garps_sent"], before["garps_sent"])

    def test_no_daemon_is_exit_2_and_a_stopping_director_refuses(self):
        r = subprocess.run([director_binary(), "reload", "--control-socket", os.path.join(self.wd, "none.sock")],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("none.sock", r.stderr)

    def test_reloads_during_a_reload_are_folded_and_every_caller_answered(self):
        text = conf(150, "MASTER", services=large_services(300, 10))
        da = self.daemon(self.a, "a", text)
        wait_until(lambda: da.state() == "MASTER", master_down(150) + 5, "a becomes master")
        write(da, text + "# touched\n")
        procs = [subprocess.Popen([director_binary(), "reload", "--control-socket", da.sock],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
        for _ in range(3):
            da.signal(signal.SIGHUP)
        outputs = [p.communicate(timeout=60) for p in procs]
        self.assertEqual([p.returncode for p in procs], [0] * 6, outputs)
        wait_until(lambda: not da.status()["reload"]["running"] and not da.status()["reload"]["pending"], 30,
                   "the folded reloads finish")
        n = da.status()["reload"]["reloads"]
        self.assertLess(n, 9, "nine requests, fewer reloads")
        self.assertGreaterEqual(n, 2)
        self.assertIn("one more follows it", da.log())
        self.assertEqual(da.state(), "MASTER")

    def test_adverts_keep_their_schedule_while_a_large_config_is_reloaded(self):
        base = conf(150, "MASTER", services=large_services(1000, 10))
        da = self.daemon(self.a, "a", base)
        wait_until(lambda: da.state() == "MASTER", master_down(150) + 10, "a becomes master")
        cap = Capture(self.c, self.wd, "wire", "ip proto 112", extra=("-tt",))
        time.sleep(2.2)
        gaps_report = []
        for label, text in (("nothing changed", base + "# touched\n"),
                            ("1% changed", conf(150, "MASTER", services=large_services(1000, 10, changed=10)))):
            write(da, text)
            t0 = time.time()
            r = reload(da)
            t1 = time.time()
            self.assertEqual(r.returncode, 0, r.stderr)
            time.sleep(2.2)  # the advert after the reload is on the wire
            times = [t for t in advert_times(cap.lines(), "198.18.0.1") if t0 - 1.5 <= t <= t1 + 2.0]
            self.assertGreaterEqual(len(times), 3)
            gap = max(b - a for a, b in zip(times, times[1:]))
            gaps_report.append(f"{label}: reload {1000 * (t1 - t0):.0f} ms, largest advert gap {1000 * gap:.0f} ms")
            self.assertLessEqual(gap, 1.0 + 0.05, gaps_report[-1])
        self.assertIn("100 change(s)", r.stdout)
        sys.stderr.write("1000 x 10 real servers: " + "; ".join(gaps_report) + "\n")
        self.assertEqual(da.state(), "MASTER")

    def test_systemd_hears_reloading_then_ready(self):
        path = os.path.join(self.wd, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        self.addCleanup(sock.close)
        d = self.daemon(self.a, "a", conf(150, "MASTER"), env={"NOTIFY_SOCKET": path})
        messages = []

        def read_until(word):
            while True:
                msg = sock.recv(4096).decode()
                messages.append(msg)
                if word in msg.split("\n"):
                    return

        read_until("READY=1")
        r = reload(d)
        self.assertEqual(r.returncode, 0, r.stderr)
        read_until("READY=1")
        # STATUS= lines (state changes) may come in between; the reload's own messages are in this order.
        messages = [m for m in messages if m.split("\n")[0] in ("READY=1", "RELOADING=1")]
        self.assertEqual([m.split("\n")[0] for m in messages], ["READY=1", "RELOADING=1", "READY=1"], messages)
        self.assertTrue(any(line.startswith("MONOTONIC_USEC=") for line in messages[1].split("\n")), messages)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
