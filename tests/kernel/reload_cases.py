"""Live reload against real IPVS (registered into ipvs_suite's boot). A client loops through the VIP the
whole time and must see no failed request while real servers are added, re-weighted and removed (drained)
and the scheduler changes; counters prove edits in place; a failing server stays out; a rule deleted by
hand comes back at the reload; a refused file leaves the table alone."""
import json
import os
import subprocess
import threading
import time

from vm_lab import DIRECTOR, HOLDER, LOOP_CLIENT, WORK, Director, Topology, case, ipvsadm, nat_topology, sh, wait_until

VIP = "198.18.1.100"
DEAD = "198.18.0.14"  # no host answers there: its TCP_CHECK always fails



def conf(path, sched="wrr", weights=None, delay_loop=1, checks=True, dead=True):
    """One NAT service on the VIP; weights maps real server number (1..3) to weight."""
    weights = weights or {1: 1, 2: 1}
    check = "        TCP_CHECK {\n            connect_timeout 1\n        }\n" if checks else ""
    servers = dict((f"198.18.0.1{i}", w) for i, w in weights.items())
    if dead:
        servers[DEAD] = 1
    body = "".join(f"    real_server {addr} 80 {{\n        weight {w}\n{check}    }}\n" for addr, w in servers.items())
    text = (f"virtual_server {VIP} 80 {{\n    delay_loop {delay_loop}\n    lb_algo {sched}\n    lb_kind NAT\n"
            f"    protocol TCP\n    drain_timeout 60\n{body}}}\n")
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)


def reload(director):
    return sh(["ip", "netns", "exec", director.host.ns, DIRECTOR, "reload", "--control-socket",
               director.args[director.args.index("--control-socket") + 1]], check=False, timeout=120)


def dests(ns):
    """{address: (weight, active, inactive)} of the VIP's service."""
    out = {}
    for line in ipvsadm("-Ln", "-t", f"{VIP}:80", ns=ns, check=False).splitlines():
        w = line.split()
        if w[:1] == ["->"] and w[1][0].isdigit():
            out[w[1].split(":")[0]] = (int(w[3]), int(w[4]), int(w[5]))
    return out


def in_packets(ns):
    """Per-destination InPkts (and the service's Conns under the key 'service')."""
    out = {}
    for line in ipvsadm("-Ln", "--stats", "--exact", "-t", f"{VIP}:80", ns=ns).splitlines():
        w = line.split()
        if w[:1] == ["->"] and w[1][0].isdigit():
            out[w[1].split(":")[0]] = int(w[3])
        elif w[:1] == ["TCP"]:
            out["service"] = int(w[2])
    return out


class Watch:
    """Polls the table in the background; remembers whether the dead server was ever in it."""

    def __init__(self, ns):
        self.ns, self.seen_dead, self.polls = ns, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            d = dests(self.ns)
            self.polls += 1
            if DEAD in d and d[DEAD][0] > 0:
                self.seen_dead.append(d[DEAD])
            self._stop.wait(0.2)

    def stop(self):
        self._stop.set()
        self._thread.join()


@case
def reload_adds_edits_in_place_and_drains_with_no_failed_request():
    with Topology("rld") as t:
        lb, client, _ = nat_topology(t)
        dd = Director(lb, "", name="reload")
        conf(dd.conf)
        dd.start()
        try:
            wait_until(lambda: set(dests(lb.ns)) == {"198.18.0.11", "198.18.0.12"}, 30,
                       "rs1 and rs2 in, the dead server out")
            watch = Watch(lb.ns)
            stop = os.path.join(WORK, "loop.stop")
            loop = client.popen(["python3", "-c", LOOP_CLIENT, VIP, stop], stdout=subprocess.PIPE, text=True)

            # A real server added.
            conf(dd.conf, weights={1: 1, 2: 1, 3: 1})
            r = reload(dd)
            assert r.returncode == 0, r.stderr
            assert "198.18.0.13" in dests(lb.ns), dests(lb.ns)
            wait_until(lambda: in_packets(lb.ns).get("198.18.0.13", 0) > 0, 20, "traffic reaches the new server")
            print(f"  added rs3: {r.stdout.strip().splitlines()[-1]}", flush=True)

            # A weight changed: edited in place, so the counters keep their values (a delete + add zeroes them).
            before = in_packets(lb.ns)
            conf(dd.conf, weights={1: 3, 2: 1, 3: 1})
            r = reload(dd)
            assert r.returncode == 0, r.stderr
            assert "weight 1 -> 3" in r.stdout, r.stdout
            after = in_packets(lb.ns)
            assert dests(lb.ns)["198.18.0.11"][0] == 3, dests(lb.ns)
            assert after["198.18.0.11"] >= before["198.18.0.11"] > 0, (before, after)
            wait_until(lambda: in_packets(lb.ns)["198.18.0.11"] > before["198.18.0.11"], 20, "rs1's InPkts grow on")
            print(f"  weight 1 -> 3: rs1 InPkts {before['198.18.0.11']} -> {in_packets(lb.ns)['198.18.0.11']}",
                  flush=True)

            # The scheduler changed: the service is edited, its connection count goes on. The client pauses
            # here: the kernel swaps a scheduler by unbinding the old one and waiting an RCU grace period
            # before binding the new one, and a SYN in that window gets port unreachable (ipvsadm -E too).
            with open(stop, "w"):
                pass
            first = json.loads(loop.communicate(timeout=60)[0])
            os.unlink(stop)
            before = in_packets(lb.ns)["service"]
            conf(dd.conf, sched="rr", weights={1: 3, 2: 1, 3: 1})
            r = reload(dd)
            assert r.returncode == 0, r.stderr
            assert f"{VIP}:80 rr" in ipvsadm("-Ln", ns=lb.ns), ipvsadm("-Ln", ns=lb.ns)
            assert in_packets(lb.ns)["service"] >= before
            loop = client.popen(["python3", "-c", LOOP_CLIENT, VIP, stop], stdout=subprocess.PIPE, text=True)

            # A real server removed while it holds connections: weight 0 until they close, then gone.
            holder = client.popen(["python3", "-c", HOLDER, VIP, "80", "6"], stdout=subprocess.PIPE, text=True)
            assert holder.stdout.readline().strip() == "held"
            wait_until(lambda: dests(lb.ns)["198.18.0.12"][1] > 0, 10, "rs2 holds connections")
            conf(dd.conf, sched="rr", weights={1: 3, 3: 1})
            r = reload(dd)
            assert r.returncode == 0, r.stderr
            assert dests(lb.ns)["198.18.0.12"][0] == 0, dests(lb.ns)
            time.sleep(2)  # two drain polls: still there, because its connections are open
            assert "198.18.0.12" in dests(lb.ns), "removed while connections were open"
            holder.kill()
            holder.wait()
            wait_until(lambda: "198.18.0.12" not in dests(lb.ns), 20, "rs2 removed once its connections closed")

            with open(stop, "w"):
                pass
            second = json.loads(loop.communicate(timeout=60)[0])
            result = {"ok": first["ok"] + second["ok"], "failed": first["failed"] + second["failed"],
                      "errors": first["errors"] + second["errors"], "seen": [first["seen"], second["seen"]]}
            watch.stop()
            print(f"  client through the sequence (paused for the scheduler swap): {result['ok']} ok, {result['failed']} failed, "
                  f"{result['seen']}", flush=True)
            assert result["failed"] == 0, result
            assert result["ok"] > 20, result
            assert watch.seen_dead == [], f"the failing server came back in: {watch.seen_dead}"
            assert watch.polls > 10
            assert "drained (no active connection left); removed" in dd.text(), dd.text()[-3000:]
        finally:
            assert dd.stop() == 0


@case
def reload_restores_rules_deleted_by_hand_and_a_refused_file_leaves_the_table_alone():
    with Topology("rlh") as t:
        lb, _, _ = nat_topology(t)
        dd = Director(lb, "", name="hand")
        # delay_loop 60: the periodic repair cannot be what brings the rule back within this case.
        conf(dd.conf, weights={1: 1, 2: 1, 3: 1}, delay_loop=60, checks=False, dead=False)
        dd.start()
        try:
            wait_until(lambda: len(dests(lb.ns)) == 3, 30, "three real servers in")
            ipvsadm("-d", "-t", f"{VIP}:80", "-r", "198.18.0.12:80", ns=lb.ns)
            time.sleep(1)
            assert "198.18.0.12" not in dests(lb.ns), "repaired before the reload; the case proves nothing"
            r = reload(dd)
            assert r.returncode == 0, r.stderr
            assert "198.18.0.12" in dests(lb.ns), dests(lb.ns)

            table = ipvsadm("-Ln", ns=lb.ns)
            with open(dd.conf, "a") as f:
                f.write("virtual_server 198.18.1.101 80 {\n    lb_algo fastest\n}\n")
            r = reload(dd)
            assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
            assert f"{dd.conf}:" in r.stderr and "fastest" in r.stderr, r.stderr
            assert ipvsadm("-Ln", ns=lb.ns) == table
        finally:
            assert dd.stop() == 0
