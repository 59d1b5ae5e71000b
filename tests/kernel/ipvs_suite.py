#!/usr/bin/python3
"""IPVS on a real kernel, in one VM boot: every netlink operation of `director ipvs` checked against ipvsadm,
traffic through NAT and DR with rr/wrr/sh/lc/wlc, drift repair, foreign services, kill -9 + restart keeping
counters, kill -9 in the middle of applying 10,000 real servers (the restart converges, live connections
untouched), a netlink buffer too small for the acks (ENOBUFS for real: resynced, converged), a
virtual_server_group adopted after kill -9, bad configs failing `director check` with file:line, and
live reload (reload_cases.py).

Run: tests/kernel/run-in-vm.sh -- tests/kernel/ipvs_suite.py   (needs root, ip_vs; ctest label vm)
Each case prints PASS/FAIL; the exit status is the number of failed cases.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vm_lab import (ALL_FORMATS, DIRECTOR, HOLDER, LOOP_CLIENT, WORK, Director, Topology, assert_same_listing, case,  # noqa: E402
                    director, dest_lines, ipvsadm, main, nat_conf, nat_topology, requests, service_listed, sh,
                    start_http, wait_until)

# ---------------------------------------------------------------------------------------------------------
# Netlink round trips: each operation through `director ipvs restore`, then both listings compared.

@case
def every_netlink_operation_round_trips_against_ipvsadm():
    with Topology("rt", bridge=False) as t:
        ns = t.host("d").ns
        steps = [
            "-A -t 198.18.0.100:80 -s rr",
            "-A -u 198.18.0.100:53 -s wlc -p 120 -M 255.255.255.0",
            "-A --sctp-service 198.18.0.100:9000 -s sh -b sh-port,sh-fallback",
            "-A -f 7 -s lc -o",
            "-a -t 198.18.0.100:80 -r 198.18.0.11:8080 -m -w 3 -x 100 -y 10",
            "-a -t 198.18.0.100:80 -r 198.18.0.12:80 -g -w 0",
            "-a -t 198.18.0.100:80 -r 198.18.0.13 -i -w 2",
            "-a -f 7 -r 198.18.0.14:0 -m -w 1",
            "-E -t 198.18.0.100:80 -s wrr -p 600",
            "-E -u 198.18.0.100:53 -s mh",
            "-e -t 198.18.0.100:80 -r 198.18.0.11:8080 -g -w 7 -x 0 -y 0",
            "-d -t 198.18.0.100:80 -r 198.18.0.12:80",
            "-D --sctp-service 198.18.0.100:9000",
            "--set 1000 100 200",
            "--start-daemon master --mcast-interface lo --syncid 3",
            "--start-daemon backup --mcast-interface lo --syncid 4",
            "--stop-daemon master",
            "--stop-daemon backup",
            "-Z",
            "-C",
        ]
        assert_same_listing(ns, "empty table")
        for step in steps:
            before = ipvsadm("-Ln", "--timeout", ns=ns) + ipvsadm("-Ln", ns=ns) + ipvsadm("-Ln", "--daemon", ns=ns)
            r = director("ipvs", "restore", ns=ns, stdin=step + "\n", check=False)
            assert r.returncode == 0, f"{step}: {r.stderr}"
            after = ipvsadm("-Ln", "--timeout", ns=ns) + ipvsadm("-Ln", ns=ns) + ipvsadm("-Ln", "--daemon", ns=ns)
            if step not in ("-Z",):
                assert after != before, f"{step}: the kernel table did not change"
            # Every layout while the table is at its fullest; the plain one (and the one the step touched)
            # after every other step, to keep the case short under software emulation.
            formats = ALL_FORMATS if step.startswith("-E -u") else (
                [[], ["--timeout"]] if step.startswith("--set") else
                [[], ["--daemon"]] if "daemon" in step else [[]])
            assert_same_listing(ns, step, formats)
        # JSON agrees with the table too.
        director("ipvs", "restore", ns=ns, stdin="-A -t 198.18.0.1:443 -s rr\n-a -t 198.18.0.1:443 -r 198.18.0.2 -m -w 4\n")
        j = json.loads(director("ipvs", "list", "--json", ns=ns).stdout)
        d = j["services"][0]["destinations"][0]
        assert (d["address"], d["port"], d["forward"], d["weight"]) == ("198.18.0.2", 443, "Masq", 4), j
        # A failing op is reported with its line, and the ones after it still apply.
        r = director("ipvs", "restore", ns=ns, stdin="-A -t 198.18.0.1:443 -s rr\n-A -t 198.18.0.1:444 -s rr\n",
                     check=False)
        assert r.returncode == 1 and "line 1:" in r.stderr and "File exists" in r.stderr, r.stderr
        assert "198.18.0.1:444" in ipvsadm("-Ln", ns=ns)
        # A file with a syntax error applies nothing.
        r = director("ipvs", "restore", ns=ns, stdin="-A -t 198.18.0.1:445 -s rr\n-A -t 198.18.0.1:446 -s best\n",
                     check=False)
        assert r.returncode == 1 and "line 2: unknown scheduler 'best'" in r.stderr, r.stderr
        assert "198.18.0.1:445" not in ipvsadm("-Ln", ns=ns)


@case
def nat_traffic_follows_each_scheduler():
    with Topology("nat") as t:
        d, client, _ = nat_topology(t)
        for sched, weights, check in [
            ("rr", (1, 1, 1), lambda c: c == {"rs1": 100, "rs2": 100, "rs3": 100}),
            ("wrr", (1, 2, 3), lambda c: c == {"rs1": 50, "rs2": 100, "rs3": 150}),
            ("sh", (1, 1, 1), lambda c: len(c) == 1 and sum(c.values()) == 300),
        ]:
            dd = Director(d, nat_conf(sched, weights), name=sched).start()
            try:
                wait_until(lambda: len(dest_lines(d.ns)) == 3, 20, f"{sched} service programmed")
                counts = requests(client, "198.18.1.100", 300)
                assert check(counts), f"{sched} {weights}: {counts}"
                print(f"  {sched} {weights}: {counts}", flush=True)
            finally:
                assert dd.stop() == 0
            # A clean stop removes what it owned.
            assert not service_listed(d.ns), ipvsadm("-Ln", ns=d.ns)
        # NAT needs forwarding, which a fresh namespace does not have: the director turned it on and said so.
        assert d.run(["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip() == "1"
        assert "set net.ipv4.ip_forward=1 (was 0)" in open(os.path.join(WORK, "lb-rr.log")).read()


@case
def lc_and_wlc_send_new_connections_to_the_less_busy_servers():
    with Topology("lc") as t:
        d, client, _ = nat_topology(t)
        for sched in ("lc", "wlc"):
            # rs2 and rs3 quiesced: the held connections can only land on rs1.
            dd = Director(d, nat_conf(sched, (1, 0, 0)), name=sched).start()
            try:
                wait_until(lambda: len(dest_lines(d.ns)) == 3, 20, "service programmed")
                holder = client.popen(["python3", "-c", HOLDER, "198.18.1.100", "80", "4"], stdout=subprocess.PIPE,
                                      text=True)
                assert holder.stdout.readline().strip() == "held"
                wait_until(lambda: [l[4] for l in dest_lines(d.ns)] == ["4", "0", "0"], 10,
                           f"4 active connections on rs1: {dest_lines(d.ns)}")
                # Kill -9 and restart with equal weights: the held connections survive (rules adopted, edited).
                dd.stop(signal.SIGKILL)
                dd = Director(d, nat_conf(sched, (1, 1, 1)), name=sched + "2").start()
                wait_until(lambda: [l[3] for l in dest_lines(d.ns)] == ["1", "1", "1"], 20, "weights edited")
                assert [l[4] for l in dest_lines(d.ns)] == ["4", "0", "0"], dest_lines(d.ns)
                counts = requests(client, "198.18.1.100", 12)
                assert counts.get("rs1", 0) == 0 and counts.get("rs2", 0) > 0 and counts.get("rs3", 0) > 0, counts
                print(f"  {sched}: rs1 holds 4 open connections; 12 new ones went {counts}", flush=True)
                holder.kill()
                holder.wait()
            finally:
                dd.stop()
            assert not service_listed(d.ns)


@case
def drift_is_repaired_within_one_delay_loop_and_foreign_services_are_untouched():
    with Topology("drift") as t:
        d, client, _ = nat_topology(t)
        ipvsadm("-A", "-t", "198.18.9.9:80", "-s", "rr", ns=d.ns)
        ipvsadm("-a", "-t", "198.18.9.9:80", "-r", "198.18.9.10:80", "-m", "-w", "5", ns=d.ns)
        foreign = [l for l in ipvsadm("-Ln", ns=d.ns).splitlines() if "198.18.9" in l]
        dd = Director(d, nat_conf("rr"), name="drift").start()
        try:
            wait_until(lambda: len(dest_lines(d.ns)) == 4, 20, "service programmed")
            delay_loop = 1.0
            for action, restored in [
                (["-D", "-t", "198.18.1.100:80"], lambda: len(dest_lines(d.ns)) == 4),
                (["-d", "-t", "198.18.1.100:80", "-r", "198.18.0.12:80"], lambda: len(dest_lines(d.ns)) == 4),
                (["-e", "-t", "198.18.1.100:80", "-r", "198.18.0.13:80", "-m", "-w", "9"],
                 lambda: "9" not in [l[3] for l in dest_lines(d.ns)]),
                (["-E", "-t", "198.18.1.100:80", "-s", "wlc"], lambda: "198.18.1.100:80 rr" in ipvsadm("-Ln", ns=d.ns)),
            ]:
                ipvsadm(*action, ns=d.ns)
                t0 = time.monotonic()
                wait_until(restored, 5 * delay_loop, f"repair after ipvsadm {' '.join(action)}")
                took = time.monotonic() - t0
                print(f"  ipvsadm {' '.join(action)}: restored in {took:.2f}s", flush=True)
                # One delay_loop plus the reconcile's own time under software emulation.
                assert took <= delay_loop + 0.75, f"restore took {took:.2f}s, delay_loop is {delay_loop}s"
            assert [l for l in ipvsadm("-Ln", ns=d.ns).splitlines() if "198.18.9" in l] == foreign
        finally:
            assert dd.stop() == 0
        assert [l for l in ipvsadm("-Ln", ns=d.ns).splitlines() if "198.18.9" in l] == foreign
        assert not service_listed(d.ns)
        log = dd.text()
        assert "table differed from the desired state" in log, log


@case
def kill_9_and_restart_keep_the_service_counters():
    with Topology("k9") as t:
        d, client, _ = nat_topology(t)

        def conns():
            line = [l for l in ipvsadm("-Ln", "--stats", "--exact", ns=d.ns).splitlines()
                    if l.startswith("TCP  198.18.1.100:80")]
            return int(line[0].split()[2]) if line else None

        dd = Director(d, nat_conf("rr"), name="k9").start()
        wait_until(lambda: len(dest_lines(d.ns)) == 3, 20, "service programmed")
        requests(client, "198.18.1.100", 30)
        # The kernel folds per-CPU counters into the totals every 2 s.
        wait_until(lambda: conns() == 30, 10, "30 connections counted")
        dd.stop(signal.SIGKILL)
        assert conns() == 30, "kill -9 must leave the rules in place"
        dd = Director(d, nat_conf("rr"), name="k9b").start()
        wait_until(lambda: "adopted 1 already in the kernel, 0 added" in dd.text(), 20, "adoption logged")
        requests(client, "198.18.1.100", 30)
        wait_until(lambda: conns() == 60, 10, f"60 connections counted (a restart would show 30): {conns()}")
        # --keep-ipvs: a clean stop leaves the rules; the next start adopts them.
        assert dd.stop() == 0
        assert not service_listed(d.ns)
        dd = Director(d, nat_conf("rr"), name="keep", extra=["--keep-ipvs"]).start()
        wait_until(lambda: len(dest_lines(d.ns)) == 3, 20, "service programmed")
        assert dd.stop() == 0
        assert service_listed(d.ns), "--keep-ipvs removed the rules"


@case
def virtual_server_group_is_one_service_per_member_and_survives_kill_9():
    with Topology("vsg") as t:
        d, client, _ = nat_topology(t)
        # rs3 has no port: port 0, which the kernel reads as "the port the connection came to".
        conf = ("virtual_server_group K {\n  198.18.1.100-102 80\n  fwmark 7\n}\n"
                "virtual_server group K {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n"
                + "".join(f"  real_server 198.18.0.1{i} {'80 ' if i < 3 else ''}{{\n"
                          "    TCP_CHECK {\n      connect_port 80\n      connect_timeout 2\n    }\n  }\n"
                          for i in (1, 2, 3)) + "}\n")
        want = {"TCP 198.18.1.100:80", "TCP 198.18.1.101:80", "TCP 198.18.1.102:80", "FWM 7"}
        want_dests = {"198.18.0.11:80", "198.18.0.12:80", "198.18.0.13:0"}

        def table():
            """{service: set of real servers} from ipvsadm -Ln."""
            out, cur = {}, None
            for line in ipvsadm("-Ln", ns=d.ns).splitlines():
                f = line.split()
                if f and f[0] in ("TCP", "UDP", "FWM"):
                    cur = f"{f[0]} {f[1]}"
                    out[cur] = set()
                elif f and f[0] == "->" and cur and f[1] != "RemoteAddress:Port":
                    out[cur].add(f[1])
            return out

        def conns():
            line = [l for l in ipvsadm("-Ln", "--stats", "--exact", ns=d.ns).splitlines()
                    if l.startswith("TCP  198.18.1.100:80")]
            return int(line[0].split()[2]) if line else None

        dd = Director(d, conf, name="vsg").start()
        try:
            wait_until(lambda: table() == {s: want_dests for s in want}, 20, f"group programmed: {table()}")
            assert_same_listing(d.ns, "group", [[], ["--stats"]])
            counts = requests(client, "198.18.1.100", 30)
            assert counts == {"rs1": 10, "rs2": 10, "rs3": 10}, counts
            wait_until(lambda: conns() == 30, 10, "30 connections counted")
            sock = dd.args[dd.args.index("--control-socket") + 1]
            st = json.loads(director("status", "--json", "--control-socket", sock).stdout)["lvs"]
            assert {s.get("group") for s in st["services"]} == {"K"}, st["services"]
            assert [(m["virtual_server"], m["services"], len(m["real_servers"])) for m in st["membership"]] == \
                [("TCP group K", 4, 3)], st["membership"]
            dd.stop(signal.SIGKILL)
            assert table() == {s: want_dests for s in want} and conns() == 30, "kill -9 must leave the rules"
            t0 = time.monotonic()
            dd = Director(d, conf, name="vsg2").start()
            wait_until(lambda: "adopted 4 already in the kernel, 0 added, 0 edited, 0 deleted" in dd.text(), 20,
                       "adoption of the four services logged")
            print(f"  4 services adopted {time.monotonic() - t0:.1f}s after the restart", flush=True)
            requests(client, "198.18.1.100", 30)
            wait_until(lambda: conns() == 60, 10, f"60 connections counted (a re-add would show 30): {conns()}")
            assert table() == {s: want_dests for s in want}, table()
            assert_same_listing(d.ns, "group after restart", [[]])
        finally:
            assert dd.stop() == 0
        assert table() == {}, "a clean stop removes every member"


def ipvs_entries(ns):
    """[(service, real server or None)] from ipvsadm -Ln, duplicates kept."""
    out, cur = [], None
    for line in ipvsadm("-Ln", ns=ns).splitlines():
        f = line.split()
        if f and f[0] in ("TCP", "UDP", "FWM"):
            cur = f"{f[0]} {f[1]}"
            out.append((cur, None))
        elif f and f[0] == "->" and cur and f[1] != "RemoteAddress:Port":
            out.append((cur, f[1]))
    return out


@case
def kill_9_mid_apply_of_10000_real_servers_converges_without_dropping_connections():
    """The director is killed while it programs 10,000 real servers into a table that already carries a live
    service; the next start converges to the config: every entry once, none lost, and the live service's
    connections (a request loop and held connections) never notice."""
    with Topology("k9big") as t:
        d, client, _ = nat_topology(t)
        live = nat_conf("rr")
        # 1,000 services x 10 real servers on addresses nobody answers (no checks: all in service).
        bulk = "".join(f"virtual_server 198.18.3.1 {port} {{\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n"
                       + "".join(f"    real_server 198.18.4.{i} 80 {{\n    }}\n" for i in range(1, 11)) + "}\n"
                       for port in range(10000, 11000))
        want = {f"TCP 198.18.3.1:{port}": {f"198.18.4.{i}:80" for i in range(1, 11)} for port in range(10000, 11000)}
        want["TCP 198.18.1.100:80"] = {"198.18.0.11:80", "198.18.0.12:80", "198.18.0.13:80"}

        def proc_lines():
            return len(d.run(["cat", "/proc/net/ip_vs"]).stdout.splitlines())

        dd = Director(d, live, name="live").start()
        wait_until(lambda: len(dest_lines(d.ns)) == 3, 20, "live service programmed")
        stop = os.path.join(WORK, "k9big.stop")
        loop = client.popen(["python3", "-c", LOOP_CLIENT, "198.18.1.100", stop], stdout=subprocess.PIPE, text=True)
        holder = client.popen(["python3", "-c", HOLDER, "198.18.1.100", "80", "3"], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"
        dd.stop(signal.SIGKILL)
        big = live + bulk
        dd = Director(d, big, name="big").start()
        # Killed once the kernel holds part of the new entries (about 2,000 of 11,000 lines).
        wait_until(lambda: proc_lines() > 2000, 60, "the apply under way", interval=0.02)
        dd.stop(signal.SIGKILL)
        partial = proc_lines()
        full = 3 + len(want) + sum(len(v) for v in want.values())  # header lines + services + real servers
        assert partial < full, f"the apply had finished ({partial} lines) before the kill: nothing was shown"
        t0 = time.monotonic()
        dd = Director(d, big, name="again").start()
        try:
            wait_until(lambda: "ipvs: 1001 service(s): adopted" in dd.text(), 120, "the restart's first pass logged")
            took = time.monotonic() - t0
            line = next(l for l in dd.text().splitlines() if "ipvs: 1001 service(s)" in l)
            got = ipvs_entries(d.ns)
            dests = [(sv, rs) for sv, rs in got if rs]
            assert len(dests) == len(set(dests)), "a real server is listed twice"
            table = {}
            for sv, rs in got:
                table.setdefault(sv, set())
                if rs:
                    table[sv].add(rs)
            assert table == want, f"{len(table)} services, {len(dests)} real servers after the restart"
            print(f"  killed at {partial} of {full} /proc/net/ip_vs lines; restart converged in {took:.1f}s: "
                  f"{line.split('ipvs: ', 1)[1]}", flush=True)
            with open(stop, "w"):
                pass
            result = json.loads(loop.communicate(timeout=60)[0])
            assert result["failed"] == 0 and result["ok"] > 0, f"the live service's requests failed: {result}"
            held = [l for l in ipvsadm("-Lnc", ns=d.ns).splitlines() if "ESTABLISHED" in l and "198.18.1.100:80" in l]
            assert len(held) >= 3, f"held connections dropped: {held}"
            print(f"  live service: {result['ok']} requests, 0 failed; 3 held connections still established", flush=True)
        finally:
            holder.kill()
            assert dd.stop() == 0


@case
def a_netlink_buffer_too_small_for_the_acks_overflows_and_the_table_still_converges():
    """global_defs lvs_netlink_cmd_rcv_bufs 4096 leaves room for a few acks only, so the first window of 128
    requests overflows the socket for real (the kernel drops acks: ENOBUFS). Each overflow is a resync on a
    fresh socket with half the requests in flight, never an outage: 664 entries converge with no duplicate,
    a reload that adds 220 more goes in at the learnt window, and the live service's requests never fail."""
    with Topology("enobufs") as t:
        d, client, _ = nat_topology(t)
        sock = os.path.join(WORK, f"{d.name}.sock")

        def conf(ports):
            return ("global_defs {\n    lvs_netlink_cmd_rcv_bufs 4096\n}\n" + nat_conf("rr") +
                    "".join(f"virtual_server 198.18.3.1 {port} {{\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n"
                            + "".join(f"    real_server 198.18.4.{i} 80 {{\n    }}\n" for i in range(1, 11)) + "}\n"
                            for port in ports))

        def want(ports):
            w = {f"TCP 198.18.3.1:{port}": {f"198.18.4.{i}:80" for i in range(1, 11)} for port in ports}
            w["TCP 198.18.1.100:80"] = {"198.18.0.11:80", "198.18.0.12:80", "198.18.0.13:80"}
            return w

        def table():
            got = {}
            entries = ipvs_entries(d.ns)
            for sv, rs in entries:
                got.setdefault(sv, set())
                if rs:
                    got[sv].add(rs)
            dests = [e for e in entries if e[1]]
            assert len(dests) == len(set(dests)), "a real server is listed twice"
            return got

        def counters():
            r = d.run([DIRECTOR, "status", "--json", "--control-socket", sock])
            return json.loads(r.stdout)["lvs"]["counters"]

        dd = Director(d, nat_conf("rr"), name="live").start()
        wait_until(lambda: len(dest_lines(d.ns)) == 3, 20, "live service programmed")
        stop = os.path.join(WORK, "enobufs.stop")
        loop = client.popen(["python3", "-c", LOOP_CLIENT, "198.18.1.100", stop], stdout=subprocess.PIPE, text=True)
        def reload_to(ports):
            """Reloads to the live service plus `ports`; returns the counters once the table matches."""
            with open(dd.conf, "w") as f:
                f.write(conf(ports))
            assert d.run([DIRECTOR, "reload", "--control-socket", sock]).returncode == 0
            n = 4 + 11 * len(ports)  # the live service and its 3 real servers, then 10 per service
            wait_until(lambda: table() == want(ports), 120, f"{n} entries in the table")
            c = counters()
            assert c["kernel_errors"] == 0, c
            return c

        try:
            c = reload_to(range(10000, 10060))
            print(f"  664 entries: {c['netlink_resyncs']} resync(s), window now {c['netlink_window']}", flush=True)
            assert c["netlink_resyncs"] >= 1 and c["netlink_window"] < 128, c
            assert "ENOBUFS" in dd.text() and "requests in flight" in dd.text()
            before = c["netlink_resyncs"]
            c = reload_to(range(10000, 10080))
            print(f"  220 more: {c['netlink_resyncs'] - before} further resync(s), window {c['netlink_window']}", flush=True)
            with open(stop, "w"):
                pass
            result = json.loads(loop.communicate(timeout=60)[0])
            assert result["failed"] == 0 and result["ok"] > 0, f"the live service's requests failed: {result}"
            print(f"  live service: {result['ok']} requests, 0 failed", flush=True)
        finally:
            loop.kill()
            assert dd.stop() == 0


@case
def dr_real_servers_answer_the_client_directly():
    with Topology("dr") as t:
        d = t.host("lb", "198.18.0.1/24", extra_cidrs=("198.18.0.100/32",))
        client = t.host("cl", "198.18.0.2/24")
        for i in (1, 2, 3):
            rs = t.host(f"rs{i}", f"198.18.0.1{i}/24")
            rs.run(["sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                    "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2"])
            rs.run(["ip", "addr", "add", "198.18.0.100/32", "dev", "lo"])
            start_http(rs, f"rs{i}")
        conf = ("virtual_server 198.18.0.100 80 {\n delay_loop 1\n lb_algo rr\n lb_kind DR\n protocol TCP\n"
                + "".join(f" real_server 198.18.0.1{i} 80 {{\n }}\n" for i in (1, 2, 3)) + "}\n")
        dd = Director(d, conf, name="dr").start()
        try:
            wait_until(lambda: ipvsadm("-Ln", ns=d.ns).count("Route") == 3, 20, "DR service programmed")
            counts = requests(client, "198.18.0.100", 60)
            assert counts == {"rs1": 20, "rs2": 20, "rs3": 20}, counts
            def stats():
                return [l for l in ipvsadm("-Ln", "--stats", "--exact", ns=d.ns).splitlines()
                        if l.startswith("TCP  198.18.0.100:80")][0].split()
            line = wait_until(lambda: (lambda l: l if int(l[2]) == 60 else None)(stats()), 10, "60 connections counted")
            conns, inpkts, outpkts = int(line[2]), int(line[3]), int(line[4])
            # Replies went from the real servers straight to the client: none came back through the director.
            assert conns == 60 and inpkts > 0 and outpkts == 0, line
            print(f"  DR: {counts}; director saw {inpkts} packets in, {outpkts} out", flush=True)
            # Only the director answers ARP for the VIP.
            neigh = client.run(["ip", "neigh", "show", "198.18.0.100"]).stdout
            lb_mac = d.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()
            assert lb_mac in neigh, (neigh, lb_mac)
        finally:
            assert dd.stop() == 0


@case
def bad_configs_fail_director_check_with_file_and_line():
    cases = {
        "sched": ("virtual_server 198.18.0.1 80 {\n  lb_algo fastest\n}\n", ":2: lb_algo: unknown scheduler 'fastest'"),
        "port0": ("virtual_server 198.18.0.1 0 {\n}\n", ":1: virtual_server: 0 is out of range 1..65535"),
        "dup": ("virtual_server 198.18.0.1 80 {\n real_server 198.18.0.2 80 {\n }\n real_server 198.18.0.2 80 {\n }\n}\n",
                ":4: real_server 198.18.0.2:80 is listed twice"),
        "weight": ("virtual_server 198.18.0.1 80 {\n real_server 198.18.0.2 80 {\n  weight 100000\n }\n}\n",
                   ":3: weight: 100000 is out of range 0..65535"),
    }
    for name, (text, expect) in cases.items():
        path = os.path.join(WORK, f"bad-{name}.conf")
        with open(path, "w") as f:
            f.write(text)
        r = director("check", "-f", path, check=False)
        assert r.returncode == 1, (name, r.returncode, r.stderr)
        assert path + expect in r.stderr, (name, r.stderr)
    # Nothing was applied by a daemon given a bad config either.
    r = sh([DIRECTOR, "run", "-f", os.path.join(WORK, "bad-sched.conf"), "--pid-file", os.path.join(WORK, "bad.pid"),
            "--control-socket", os.path.join(WORK, "bad.sock")], check=False, timeout=30)
    assert r.returncode == 1 and ":2:" in r.stderr, r.stderr


@case
def config_with_only_virtual_servers_is_valid():
    path = os.path.join(WORK, "only-vs.conf")
    with open(path, "w") as f:
        f.write(nat_conf("wlc"))
    r = director("check", "-f", path)
    assert "1 virtual_server(s)" in r.stdout, r.stdout


if __name__ == "__main__":
    import reload_cases  # noqa: E402,F401  (registers the live-reload cases: same boot)
    import switchover_cases  # noqa: E402,F401  (switchover, sync, hand drains: same boot)
    main("ipvs_suite")
