#!/usr/bin/python3
"""keepalived keywords that change what a VRRP config means (root; namespaces only, 198.18.0.0/15). Hosts a and
b share two segments, eth0 (198.18.0.0/24, with observer c) and eth1 (198.18.1.0/24):
- vrrp_sync_group: VI_1 on eth0 and VI_2 on eth1 grouped; cutting a's eth1 moves BOTH instances to b within
  Skew_Time (VI_1 would otherwise stay on a: the control case shows that split), healing brings both back;
- track_file: writing -100 into the master's file (weight 1) moves the VIP within Master_Down_Interval of the
  write, resetting it to 0 brings it back; a weight-0 file holding 1 puts the master in FAULT;
- vrrp_garp_interval: the gratuitous ARPs of a new master leave that far apart (tcpdump timestamps on c);
- vrrp_rt_priority / max_auto_priority: the event loop runs SCHED_RR (notify scripts do not), and a daemon
  stopped for 2.5 s raises itself to SCHED_RR when it resumes."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import (SLACK, VIP, Capture, ThreeHostCase, director_binary, instance_conf, master_down, read_pid,  # noqa: E402
                          skew, wait_until, write_script)

VIP2 = "198.18.1.100"


def pair_conf(prio, group=True, state="BACKUP", extra_global=""):
    """VI_1 on eth0 and VI_2 on eth1, grouped or not."""
    instances = ""
    for name, dev, vrid, vip in (("VI_1", "eth0", 51, VIP), ("VI_2", "eth1", 52, VIP2)):
        instances += f"""
vrrp_instance {name} {{
    state {state}
    interface {dev}
    virtual_router_id {vrid}
    priority {prio}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass k8sHA
    }}
    virtual_ipaddress {{
        {vip}/24 dev {dev}
    }}
}}
"""
    groups = "vrrp_sync_group NAT {\n    group {\n        VI_1\n        VI_2\n    }\n}\n" if group else ""
    return f"global_defs {{\n    router_id test\n{extra_global}\n}}\n{instances}{groups}"


def states(d):
    s = d.status()
    if not s or "vrrp" not in s:
        return None
    return {i["name"]: i["state"] for i in s["vrrp"]["instances"]}


def chrt(host, pid):
    """`chrt -p` for a pid: ('SCHED_RR', 10), without the |SCHED_RESET_ON_FORK flag."""
    out = host.run(["chrt", "-p", str(pid)]).stdout
    policy = re.search(r"policy: (\S+)", out).group(1).split("|")[0]
    prio = int(re.search(r"priority: (\d+)", out).group(1))
    return policy, prio



class VrrpParityTest(ThreeHostCase):
    PREFIX = "par"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.topo.segment("br1", "eth1", [(cls.a, "198.18.1.1/24"), (cls.b, "198.18.1.2/24")])

    def tearDown(self):
        for h in (self.a, self.b):
            h.run(["ip", "link", "set", "eth1", "up"], check=False)
            h.run(["ip", "addr", "del", f"{VIP2}/24", "dev", "eth1"], check=False)
        super().tearDown()

    def both_on(self, host):
        return host.has_address(VIP, "eth0") and host.has_address(VIP2, "eth1")

    def start_pair(self, group):
        a = self.daemon(self.a, "a", pair_conf(150, group, "MASTER"))
        wait_until(lambda: states(a) == {"VI_1": "MASTER", "VI_2": "MASTER"}, master_down(150) + 2, "a master of both")
        b = self.daemon(self.b, "b", pair_conf(100, group))
        wait_until(lambda: states(b) == {"VI_1": "BACKUP", "VI_2": "BACKUP"}, 3, "b backup of both")
        return a, b

    def test_sync_group_moves_both_instances_when_one_link_is_cut(self):
        a, b = self.start_pair(group=True)
        self.assertEqual(a.status()["vrrp"]["sync_groups"], [{"name": "NAT", "state": "MASTER", "members": ["VI_1", "VI_2"]}])
        cut = time.monotonic()
        self.a.run(["ip", "link", "set", "eth1", "down"])
        # a's VI_2 is in FAULT at its next link poll (500 ms); its group hands VI_1 over with priority 0 at once,
        # and b's VI_1 takes over after Skew_Time, bringing b's VI_2 with it.
        bound = 0.5 + skew(100) + SLACK
        wait_until(lambda: self.both_on(self.b), bound + 0.5, "both VIPs on b")
        took = time.monotonic() - cut
        print(f"sync group: both VIPs on b {took:.2f} s after a's eth1 was cut (bound {bound:.2f} s)")
        self.assertLess(took, bound + 0.5)
        self.assertFalse(self.a.has_address(VIP, "eth0"), "a kept VI_1's VIP: the group split")
        wait_until(lambda: states(a) == {"VI_1": "FAULT", "VI_2": "FAULT"}, 2, "both of a's instances in FAULT")
        vi1 = next(i for i in a.status()["vrrp"]["instances"] if i["name"] == "VI_1")
        self.assertEqual(vi1["reason"], "vrrp_sync_group NAT: VI_2 is in FAULT")
        self.assertEqual(b.status()["vrrp"]["sync_groups"][0]["state"], "MASTER")
        # A reload while the group holds a member in FAULT keeps the verdict (it once crashed the daemon here).
        r = subprocess.run([director_binary(), "reload", "--control-socket", a.sock], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(a.alive())
        self.assertEqual(states(a), {"VI_1": "FAULT", "VI_2": "FAULT"})

        healed = time.monotonic()
        self.a.run(["ip", "link", "set", "eth1", "up"])
        wait_until(lambda: self.both_on(self.a), 0.5 + master_down(150) + SLACK + 1, "both VIPs back on a")
        print(f"sync group: both VIPs back on a {time.monotonic() - healed:.2f} s after the link came back")
        wait_until(lambda: not self.b.has_address(VIP, "eth0") and not self.b.has_address(VIP2, "eth1"), 2,
                   "b released both")

    def test_without_a_sync_group_the_same_cut_splits_the_instances(self):
        # The control case: proves the test above would catch a group that does not act.
        a, b = self.start_pair(group=False)
        self.a.run(["ip", "link", "set", "eth1", "down"])
        wait_until(lambda: self.b.has_address(VIP2, "eth1"), 0.5 + master_down(100) + SLACK, "VI_2 on b")
        self.assertTrue(self.a.has_address(VIP, "eth0"), "VI_1 stays on a without a group")
        self.assertEqual(states(a)["VI_1"], "MASTER")

    def test_track_file_weight_moves_the_vip_and_back(self):
        drain = os.path.join(self.wd, "drain")
        fault = os.path.join(self.wd, "fault")
        files = f"track_file drain {{\n file {drain}\n weight 1\n init_file 0 overwrite\n}}\n" \
                f"track_file fault {{\n file {fault}\n weight 0\n init_file\n}}\n"
        track = "    track_file {\n        drain\n        fault\n    }\n"
        a = self.daemon(self.a, "a", files + instance_conf(150, "MASTER", track=track))
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        b = self.daemon(self.b, "b", instance_conf(100))
        wait_until(lambda: b.state() == "BACKUP", 3, "b backup")

        with open(drain + ".new", "w") as f:
            f.write("-100\n")
        os.rename(drain + ".new", drain)
        written = time.monotonic()
        wait_until(lambda: self.b.has_address(VIP, "eth0"), master_down(100) + SLACK, "VIP on b after the write")
        print(f"track_file: VIP on b {time.monotonic() - written:.2f} s after -100 was written "
              f"(Master_Down_Interval {master_down(100):.2f} s)")
        self.assertEqual(a.instance()["effective_priority"], 50)
        tf = {t["name"]: t for t in a.status()["vrrp"]["track_files"]}
        self.assertEqual(tf["drain"]["value"], -100)

        with open(drain, "w") as f:
            f.write("0\n")
        reset = time.monotonic()
        wait_until(lambda: self.a.has_address(VIP, "eth0"), master_down(150) + 1, "VIP back on a")
        print(f"track_file: VIP back on a {time.monotonic() - reset:.2f} s after the reset")

        with open(fault, "w") as f:
            f.write("1\n")
        wait_until(lambda: a.state() == "FAULT", 1, "a in FAULT from the weight-0 file")
        self.assertEqual(a.instance()["reason"], "track_file fault holds 1")
        wait_until(lambda: self.b.has_address(VIP, "eth0"), skew(100) + SLACK, "VIP on b after a's FAULT")

    def test_garps_leave_vrrp_garp_interval_apart(self):
        cap = Capture(self.c, self.wd, "arp", "arp", extra=("-tt",))
        self.daemon(self.a, "a", instance_conf(150, "MASTER", globals_="    vrrp_garp_interval 0.2",
                                               extra="    garp_master_repeat 5\n    garp_master_delay 0"))
        def garps():
            return [float(line.split()[0]) for line in cap.lines()
                    if re.search(rf"Request who-has {re.escape(VIP)}\b.* tell {re.escape(VIP)},", line)]
        stamps = wait_until(lambda: len(garps()) >= 5 and garps(), master_down(150) + 3, "5 gratuitous ARPs")
        gaps = [round(b - a, 3) for a, b in zip(stamps, stamps[1:])]
        print(f"garp interval 0.2 s: gaps on the wire {gaps}")
        self.assertEqual(len(stamps), 5)
        self.assertTrue(all(0.18 <= g <= 0.4 for g in gaps), gaps)

    def test_realtime_priority_for_the_loop_and_not_for_scripts(self):
        out = os.path.join(self.wd, "sched")
        script = write_script(self.wd, "notify.sh", f"/usr/bin/chrt -p $$ > {out}\n")
        a = self.daemon(self.a, "a", instance_conf(150, globals_="    vrrp_rt_priority 10",
                                                   extra=f"    notify_backup {script}"))
        wait_until(lambda: a.state() == "BACKUP", 3, "a backup")
        pid = read_pid(a)
        self.assertEqual(chrt(self.a, pid), ("SCHED_RR", 10))
        self.assertEqual(a.status()["vrrp"]["scheduling"], "SCHED_RR 10")
        wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 0, 5, "the notify script ran")
        with open(out) as f:
            self.assertIn("SCHED_OTHER", f.read(), "SCHED_RESET_ON_FORK: scripts run at normal priority")

    def test_max_auto_priority_raises_the_loop_after_a_late_timer(self):
        b = self.daemon(self.b, "b", instance_conf(100, globals_="    max_auto_priority 5"))
        # Alone, it is master and its advert timer fires every second.
        wait_until(lambda: b.state() == "MASTER", master_down(100) + 2, "b master")
        pid = read_pid(b)
        self.assertEqual(chrt(self.b, pid)[0], "SCHED_OTHER")
        os.kill(pid, signal.SIGSTOP)
        # The point of the case: the daemon must not run for longer than advert_int + min_auto_priority_delay.
        time.sleep(2.5)
        os.kill(pid, signal.SIGCONT)
        wait_until(lambda: chrt(self.b, pid)[0] == "SCHED_RR", 3, "b raised to SCHED_RR")
        self.assertIn("max_auto_priority", b.log())


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
