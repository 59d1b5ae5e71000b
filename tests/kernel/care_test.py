#!/usr/bin/python3
"""`director care` / `lvscare care` against a real kernel (runs inside the VM: IPVS and dummy needed).

One boot covers: lvscare's README demo in link mode exactly as written (seed 002), rules rebuilt after
someone flushes them, a deleted virtual server re-created, a stale real server removed, a foreign IPVS
service untouched, restart adoption without a failed request, -C leaving nothing behind; link mode's
quiet rounds (no program started once the rules are in place, a removed rule or set entry back by the
next round, iptables-legacy read back every round); then route mode with masters in network namespaces,
--run-once, and route -C.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from netns import Topology, sh, wait_until  # noqa: E402

DIRECTOR = os.environ.get("DIRECTOR_BIN", os.path.join(HERE, "..", "..", "build", "bin", "director"))
LVSCARE = os.path.join(os.path.dirname(DIRECTOR), "lvscare")
ECHO = os.path.join(HERE, "care_echo_server.py")
LOAD = os.path.join(HERE, "care_load.py")
PY = "/usr/bin/python3"

procs = []


def spawn(argv, log=None, **kw):
    out = open(log, "w") if log else subprocess.DEVNULL
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kw)
    procs.append(p)
    return p


def stop(p, sig=signal.SIGKILL):
    if p.poll() is None:
        os.killpg(p.pid, sig)
    p.wait(timeout=10)


def ipvs_section(vs, prefix=()):
    """ipvsadm -Ln for one service: [(rs, forward, weight)] or None when the service does not exist."""
    res = sh(list(prefix) + ["ipvsadm", "-Ln", "-t", vs], check=False)
    if res.returncode != 0:
        return None
    dests = []
    for line in res.stdout.splitlines():
        m = re.match(r"^  -> (\S+)\s+(\w+)\s+(\d+)\s+\d+\s+\d+\s*$", line)
        if m:
            dests.append((m.group(1), m.group(2), int(m.group(3))))
    return sorted(dests)


def weight_of(vs, rs, prefix=()):
    for r, _, w in ipvs_section(vs, prefix) or []:
        if r == rs:
            return w
    return None


def load(url, limit, prefix=()):
    res = sh(list(prefix) + [PY, LOAD, url, str(limit)])
    return json.loads(res.stdout)


def log_has(path, text):
    with open(path) as f:
        return text in f.read()


# ---------------------------------------------------------------------------------------------- link mode

VIP = "169.254.0.1:80"
URL = "http://169.254.0.1/"
DEMO = [LVSCARE, "care", "--vs", VIP, "--rs", "127.0.0.1:8081", "--rs", "127.0.0.1:8082", "--rs", "127.0.0.1:8083",
        "--logger", "DEBG", "--health-schem", "http", "--health-path", "/", "--mode", "link"]
CLEAN = [LVSCARE, "care", "--vs", VIP, "--logger", "DEBG", "--mode", "link", "-C"]
SEED_RULES_NAT = [  # seed 002's list, with the mark of --masqueradebit 0 (lvscare's default): 0x1
    "-A PREROUTING -m comment --comment \"virtual service portals\" -j VIRTUAL-SERVICES",
    "-A OUTPUT -m comment --comment \"virtual service portals\" -j VIRTUAL-SERVICES",
    "-A POSTROUTING -m comment --comment \"virtual service postrouting rules\" -j VIRTUAL-POSTROUTING",
    "-A VIRTUAL-MARK-MASQ -j MARK --set-xmark 0x1/0x1",
    "-A VIRTUAL-POSTROUTING -m mark ! --mark 0x1/0x1 -j RETURN",
    "-A VIRTUAL-POSTROUTING -m comment --comment \"virtual service traffic requiring SNAT\" -m mark --mark 0x1/0x1 -j MASQUERADE",
    "-A VIRTUAL-SERVICES -m comment --comment \"virtual service ip + port for masquerade purpose\" -m set --match-set VIRTUAL-IP dst,dst -j VIRTUAL-MARK-MASQ",
]
FILTER_RULE = "-A OUTPUT -m comment --comment \"accept for all marked by lvscare\" -m mark --mark 0x1/0x1 -j ACCEPT"


def nat_rules():
    return sh(["iptables", "-t", "nat", "-S"]).stdout.splitlines()


def link_rules_present():
    nat = nat_rules()
    return all(r in nat for r in SEED_RULES_NAT) and FILTER_RULE in sh(["iptables", "-S", "OUTPUT"]).stdout.splitlines()


def case_link_demo():
    servers = {p: spawn([PY, ECHO, "127.0.0.1", str(p), f"echoserver{p - 8080}"]) for p in (8081, 8082, 8083)}
    # kube-proxy's service in the same table, with a real server that fails every probe: never touched.
    sh(["ipvsadm", "-A", "-t", "10.96.0.1:443", "-s", "rr"])
    sh(["ipvsadm", "-a", "-t", "10.96.0.1:443", "-r", "127.0.0.1:9", "-m", "-w", "0"])
    sh(["ipvsadm", "-a", "-t", "10.96.0.1:443", "-r", "127.0.0.1:8081", "-m", "-w", "7"])
    foreign = sh(["ipvsadm", "-Ln", "-t", "10.96.0.1:443"]).stdout
    for p in (8081, 8082, 8083):
        wait_until(lambda: sh(["ss", "-ltnH", f"sport = :{p}"]).stdout.strip(), 10, f"echo server on {p}")

    log = "/tmp/care-link.log"
    care = spawn(DEMO, log)
    want = [(f"127.0.0.1:{p}", "Masq", 1) for p in (8081, 8082, 8083)]
    wait_until(lambda: ipvs_section(VIP) == want, 15, "three real servers at weight 1")
    # seed 002's `ipvsadm -Ln` layout, line by line for our service
    out = sh(["ipvsadm", "-Ln"]).stdout.splitlines()
    assert out[0].startswith("IP Virtual Server version "), out
    assert out[1] == "Prot LocalAddress:Port Scheduler Flags", out
    assert out[2] == "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn", out
    i = out.index("TCP  169.254.0.1:80 rr")
    for k, p in enumerate((8081, 8082, 8083)):
        assert re.match(rf"^  -> 127\.0\.0\.1:{p}\s+Masq\s+1\s+\d+\s+\d+\s*$", out[i + 1 + k]), out
    # link mode's node state: dummy with the VIP, conntrack on, the ipset entry, the rules
    assert "169.254.0.1/32" in sh(["ip", "-o", "addr", "show", "dev", "lvscare"]).stdout
    assert "dummy" in sh(["ip", "-d", "link", "show", "lvscare"]).stdout
    assert open("/proc/sys/net/ipv4/vs/conntrack").read().strip() == "1"
    assert "169.254.0.1,tcp:80" in sh(["ipset", "list", "VIRTUAL-IP"]).stdout
    wait_until(link_rules_present, 5, "seed 002's nat rules and the filter accept rule")
    assert "error setting up link mode" not in open(log).read(), open(log).read()

    r = load(URL, "#30")
    assert r["failed"] == 0, r
    assert sorted(r["names"]) == ["echoserver1", "echoserver2", "echoserver3"], r  # rr spreads
    assert min(r["names"].values()) >= 8, r

    # stop echoserver3: weight 0 first (graceful), gone the round after, the VIP keeps answering
    stop(servers.pop(8083))
    wait_until(lambda: weight_of(VIP, "127.0.0.1:8083") == 0, 12, "8083 at weight 0")
    assert log_has(log, "Trying to update wight to 0 for graceful termination"), open(log).read()
    r = load(URL, "#20")
    assert r["failed"] == 0 and "echoserver3" not in r["names"], r
    wait_until(lambda: weight_of(VIP, "127.0.0.1:8083") is None, 12, "8083 deleted")
    assert log_has(log, "Trying to delete real server")
    assert re.search(r'probe: Get "http://127\.0\.0\.1:8083/": dial tcp 127\.0\.0\.1:8083: connect: connection refused',
                     open(log).read()), open(log).read()
    r = load(URL, "#20")
    assert r["failed"] == 0, r
    # start it again: added back at weight 1
    servers[8083] = spawn([PY, ECHO, "127.0.0.1", "8083", "echoserver3"])
    wait_until(lambda: weight_of(VIP, "127.0.0.1:8083") == 1, 12, "8083 back at weight 1")
    assert log_has(log, "Trying to add real server back")

    # someone flushes our chains and unhooks one: rebuilt within a round
    sh(["iptables", "-t", "nat", "-F", "VIRTUAL-POSTROUTING"])
    sh(["iptables", "-t", "nat", "-D", "OUTPUT", "-m", "comment", "--comment", "virtual service portals", "-j",
        "VIRTUAL-SERVICES"])
    wait_until(link_rules_present, 12, "rules rebuilt after a flush")
    # someone deletes the virtual server: re-created
    sh(["ipvsadm", "-D", "-t", VIP])
    wait_until(lambda: ipvs_section(VIP) == want, 12, "virtual server re-created")
    # a real server nobody asked for: removed
    sh(["ipvsadm", "-a", "-t", VIP, "-r", "127.0.0.2:8081", "-m", "-w", "1"])
    wait_until(lambda: ipvs_section(VIP) == want, 12, "stale real server removed")
    assert sh(["ipvsadm", "-Ln", "-t", "10.96.0.1:443"]).stdout == foreign, "foreign service changed"

    # stray signals (a terminal hangup, a dump request, a broken pipe) do not end the load balancer
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGALRM):
        care.send_signal(sig)
        wait_until(lambda: care.poll() is not None or log_has(log, f"received {sig.name}"), 5, f"{sig.name} logged")
    assert care.poll() is None, f"care died on a stray signal (rc {care.returncode})"
    assert log_has(log, "care mode has no config file to reload"), open(log).read()
    assert ipvs_section(VIP) == want

    # SIGTERM leaves everything; a restart adopts it; no request fails across the restart
    loader = subprocess.Popen([PY, LOAD, URL, "8"], stdout=subprocess.PIPE, text=True)
    time.sleep(1)  # let the load run against the old instance first
    stop(care, signal.SIGTERM)
    assert care.returncode == 0, care.returncode
    assert ipvs_section(VIP) == want and link_rules_present(), "SIGTERM removed rules"
    care = spawn(DEMO, "/tmp/care-link2.log")
    r = json.loads(loader.communicate(timeout=30)[0])
    assert r["failed"] == 0 and r["ok"] > 50, r
    assert ipvs_section(VIP) == want
    stop(care, signal.SIGTERM)

    # -C: no service, interface, chain, set or accept rule; kube-proxy's service stays
    res = sh(CLEAN, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert ipvs_section(VIP) is None
    assert sh(["ip", "link", "show", "lvscare"], check=False).returncode != 0
    assert not [r for r in nat_rules() if "VIRTUAL" in r], nat_rules()
    assert "lvscare" not in sh(["iptables", "-S"]).stdout
    assert sh(["ipset", "list", "VIRTUAL-IP"], check=False).returncode != 0
    assert sh(["ipvsadm", "-Ln", "-t", "10.96.0.1:443"]).stdout == foreign
    assert sh(CLEAN, check=False).returncode == 0  # cleaning twice is fine
    for p in servers.values():
        stop(p)
    sh(["ipvsadm", "-D", "-t", "10.96.0.1:443"])


# ------------------------------------------------------------------------------- link mode's quiet rounds

QUIET_METRICS = "127.0.0.1:9556"
RULE_OUTPUT = ["-t", "nat", "OUTPUT", "-m", "comment", "--comment", "virtual service portals", "-j", "VIRTUAL-SERVICES"]


def care_metrics():
    text = urllib.request.urlopen(f"http://{QUIET_METRICS}/metrics", timeout=30).read().decode()
    out = {}
    for name in ("rounds", "helper_runs", "rule_checks"):
        m = re.search(rf"^director_care_{name}_total (\S+)$", text, re.M)
        out[name] = int(float(m.group(1)))
    return out


def rounds_past(n):
    """Waits until `n` more rounds have completed; returns the counters then."""
    start = care_metrics()["rounds"]
    return wait_until(lambda: (lambda m: m if m["rounds"] >= start + n else None)(care_metrics()), 30,
                      f"{n} more rounds")


def entry_in_set():
    return sh(["ipset", "test", "VIRTUAL-IP", "169.254.0.1,tcp:80"], check=False).returncode == 0


def case_link_quiet_rounds():
    server = spawn([PY, ECHO, "127.0.0.1", "8091", "quiet"])
    wait_until(lambda: sh(["ss", "-ltnH", "sport = :8091"]).stdout.strip(), 10, "echo server on 8091")
    argv = [DIRECTOR, "care", "--vs", VIP, "--rs", "127.0.0.1:8091", "--health-schem", "http", "--health-path", "/",
            "--mode", "link", "--interval", "300ms", "--metrics-listen", QUIET_METRICS]
    log = "/tmp/care-quiet.log"
    care = spawn(argv, log)
    wait_until(lambda: ipvs_section(VIP) == [("127.0.0.1:8091", "Masq", 1)], 15, "the real server at weight 1")
    # Round 1 adds the rules (the previous case's -C left none: all eight, in one iptables-restore after
    # one iptables-save), round 2 reads back its own additions (nf_tables announced them); then quiet.
    rounds_past(3)
    before = care_metrics()
    assert before["helper_runs"] <= 4, before
    assert open(log).read().count("Adding iptables rule:") == 8, open(log).read()
    after = rounds_past(8)
    assert after["helper_runs"] == before["helper_runs"], (before, after)
    assert after["rule_checks"] == before["rule_checks"], (before, after)
    assert link_rules_present() and entry_in_set()

    # kube-proxy-like churn in chains that hold none of our rules does not send care to iptables-save
    # (left in place: harmless to the later cases, and each iptables run costs about a second in the VM)
    sh(["iptables", "-t", "nat", "-N", "KUBE-QUIET-TEST"])
    sh(["iptables", "-t", "filter", "-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "ACCEPT"])
    quiet = rounds_past(3)
    assert quiet["helper_runs"] == after["helper_runs"], (after, quiet)

    # someone removes a hook rule, flushes one of our chains (in one transaction, so care sees one change)
    # and deletes the set entry: all back by the end of the next whole round (no check in between: a round
    # may already have put them back), with one iptables-save, one iptables-restore and the read-back
    readds = open(log).read().count("Adding iptables rule: -t nat -A OUTPUT")
    sh(["iptables-restore", "--noflush"], input="*nat\n-D " + " ".join(
        f'"{a}"' if " " in a else a for a in RULE_OUTPUT[2:]) + "\n-F VIRTUAL-POSTROUTING\nCOMMIT\n")
    assert not link_rules_present(), nat_rules()
    sh(["ipset", "del", "VIRTUAL-IP", "169.254.0.1,tcp:80"])
    fixed = rounds_past(2)
    assert link_rules_present(), nat_rules()
    assert entry_in_set(), sh(["ipset", "list", "VIRTUAL-IP"]).stdout
    assert fixed["rule_checks"] > quiet["rule_checks"] and fixed["helper_runs"] > quiet["helper_runs"], (quiet, fixed)
    assert open(log).read().count("Adding iptables rule: -t nat -A OUTPUT") == readds + 1, open(log).read()
    # and quiet again once it has read back its own repair
    rounds_past(2)
    settled = care_metrics()
    assert settled["helper_runs"] - quiet["helper_runs"] <= 4, (quiet, settled)
    again = rounds_past(5)
    assert again["helper_runs"] == settled["helper_runs"], (settled, again)

    # the set itself destroyed (its one rule flushed first, as the kernel insists): re-created over netlink
    sh(["iptables", "-t", "nat", "-F", "VIRTUAL-SERVICES"])
    sh(["ipset", "destroy", "VIRTUAL-IP"])
    rounds_past(2)
    assert entry_in_set() and link_rules_present(), nat_rules()
    assert "Type: hash:ip,port" in sh(["ipset", "list", "VIRTUAL-IP"]).stdout
    stop(care, signal.SIGTERM)

    res = sh(CLEAN, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sh(["ipset", "list", "VIRTUAL-IP"], check=False).returncode != 0
    assert not [r for r in nat_rules() if "VIRTUAL" in r], nat_rules()
    stop(server)


def case_link_legacy_iptables():
    """iptables-legacy announces nothing: every round reads the rules back, and a removed one still returns."""
    bindir = "/tmp/care-legacy-bin"
    os.makedirs(bindir, exist_ok=True)
    for name, target in (("iptables", "iptables-legacy"), ("iptables-save", "iptables-legacy-save"),
                         ("iptables-restore", "iptables-legacy-restore")):
        path = os.path.join(bindir, name)
        if not os.path.lexists(path):
            os.symlink(f"/usr/sbin/{target}", path)
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"])
    legacy = lambda argv, **kw: sh([os.path.join(bindir, "iptables")] + argv, **kw)  # noqa: E731
    argv = [DIRECTOR, "care", "--vs", VIP, "--rs", "127.0.0.1:8091", "--health-schem", "http", "--health-path", "/",
            "--mode", "link", "--interval", "300ms", "--metrics-listen", QUIET_METRICS]
    log = "/tmp/care-legacy.log"
    care = spawn(argv, log, env=env)
    wait_until(lambda: legacy(["-t", "nat", "-C"] + RULE_OUTPUT[2:], check=False).returncode == 0, 20,
               "rules in the legacy tables")
    rounds_past(1)
    before = care_metrics()
    after = rounds_past(3)
    assert after["rule_checks"] >= before["rule_checks"] + 3, (before, after)
    assert log_has(log, "is not iptables-nft"), open(log).read()
    # every rule present exactly once in the legacy tables, none in nf_tables
    saved = sh([os.path.join(bindir, "iptables-save")]).stdout.splitlines()
    for rule in SEED_RULES_NAT + [FILTER_RULE]:
        assert saved.count(rule) == 1, (rule, saved)
    assert "VIRTUAL" not in sh(["iptables-nft-save"]).stdout
    legacy(["-t", "nat", "-D"] + RULE_OUTPUT[2:])
    legacy(["-t", "nat", "-F", "VIRTUAL-POSTROUTING"])
    rounds_past(2)
    saved = sh([os.path.join(bindir, "iptables-save")]).stdout.splitlines()
    for rule in SEED_RULES_NAT + [FILTER_RULE]:
        assert saved.count(rule) == 1, ("legacy rule not restored once", rule, saved)
    stop(care, signal.SIGTERM)
    res = sh(CLEAN, check=False, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "VIRTUAL" not in legacy(["-t", "nat", "-S"]).stdout
    assert sh(["ipset", "list", "VIRTUAL-IP"], check=False).returncode != 0


# --------------------------------------------------------------------------------------------- route mode

def case_route_mode():
    with Topology("care") as t:
        node = t.host("node", "198.18.0.1/24")
        masters = [t.host(f"m{i}", f"198.18.0.1{i}/24") for i in (1, 2)]
        for i, m in enumerate(masters, 1):
            m.popen([PY, ECHO, "0.0.0.0", "6443", f"master{i}"])
        nsx = ["ip", "netns", "exec", node.ns]
        for i in (1, 2):
            wait_until(lambda: node.run(["bash", "-c", f"exec 3<>/dev/tcp/198.18.0.1{i}/6443"], check=False).returncode == 0,
                       10, f"master{i} listening")
        vip, url = "10.103.97.2:6443", "http://10.103.97.2:6443/"
        rs = ["--rs", "198.18.0.11:6443", "--rs", "198.18.0.12:6443"]
        # the gateway comes from /etc/hosts as sealos writes it (the VM's /etc is a scratch overlay)
        with open("/etc/hosts", "a") as f:
            f.write("198.18.0.1 lvscare.node.ip\n")
        base = [DIRECTOR, "care", "--vs", vip] + rs + ["--health-schem", "http", "--health-path", "/"]

        # --run-once: everything set up, exit 0, no daemon left
        res = node.run(base + ["--run-once"], check=False, timeout=20)
        assert res.returncode == 0, res.stdout + res.stderr
        want = [("198.18.0.11:6443", "Masq", 1), ("198.18.0.12:6443", "Masq", 1)]
        assert ipvs_section(vip, nsx) == want, ipvs_section(vip, nsx)
        route = node.run(["ip", "-4", "route", "show", "10.103.97.2/32"]).stdout
        assert "via 198.18.0.1" in route and "metric 50" in route, route
        r = load(url, "#10", nsx)
        assert r["failed"] == 0 and len(r["names"]) == 2, r

        # the daemon adopts run-once's rules, drops a master that fails, takes it back
        log = "/tmp/care-route.log"
        care = node.popen(base + ["--interval", "1"], stdout=open(log, "w"), stderr=subprocess.STDOUT)
        masters[1].kill_all()
        wait_until(lambda: weight_of(vip, "198.18.0.12:6443", nsx) == 0, 6, "master2 at weight 0")
        wait_until(lambda: weight_of(vip, "198.18.0.12:6443", nsx) is None, 6, "master2 removed")
        r = load(url, "#10", nsx)
        assert r["failed"] == 0 and list(r["names"]) == ["master1"], r
        masters[1].popen([PY, ECHO, "0.0.0.0", "6443", "master2"])
        wait_until(lambda: ipvs_section(vip, nsx) == want, 10, "master2 back")
        # someone removes the route: put back
        node.run(["ip", "route", "del", "10.103.97.2/32", "via", "198.18.0.1", "metric", "50"])
        wait_until(lambda: "metric 50" in node.run(["ip", "-4", "route", "show", "10.103.97.2/32"]).stdout, 5,
                   "route restored")
        os.killpg(care.pid, signal.SIGTERM)
        assert care.wait(timeout=10) == 0

        # -C removes the service and the route, and nothing else
        node.run(["ip", "route", "add", "10.103.97.3/32", "via", "198.18.0.1", "metric", "50"])
        res = node.run([DIRECTOR, "care", "--vs", vip, "-C"], check=False)
        assert res.returncode == 0, res.stdout + res.stderr
        assert ipvs_section(vip, nsx) is None
        routes = node.run(["ip", "-4", "route", "show"]).stdout
        assert "10.103.97.2" not in routes and "10.103.97.3 via 198.18.0.1" in routes, routes


def main():
    if not os.access(DIRECTOR, os.X_OK):
        print(f"care_test: no director binary at {DIRECTOR}")
        return 1
    cases = [case_link_demo, case_link_quiet_rounds, case_link_legacy_iptables, case_route_mode]
    if len(sys.argv) > 1:
        cases = [c for c in cases if c.__name__ in sys.argv[1:]]
    failed = 0
    for case in cases:
        start = time.monotonic()
        try:
            case()
            print(f"PASS {case.__name__} ({time.monotonic() - start:.1f}s)", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {case.__name__}", flush=True)
            traceback.print_exc()
            for path in ("/tmp/care-link.log", "/tmp/care-link2.log", "/tmp/care-quiet.log", "/tmp/care-quiet2.log",
                         "/tmp/care-legacy.log", "/tmp/care-route.log"):
                if os.path.exists(path):
                    print(f"--- {path}\n" + open(path).read()[-3000:])
        finally:
            for p in procs:
                if p.poll() is None:
                    stop(p)
            procs.clear()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
