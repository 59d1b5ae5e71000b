#!/usr/bin/python3
"""static_ipaddress / static_routes / static_rules and virtual_routes / virtual_rules against the kernel
(root; namespaces only, 198.18.0.0/15). Hosts a (198.18.0.1, priority 150) and b (198.18.0.2, 100):
- an instance's virtual routes and rule are in the master's kernel only; when the master stops (SIGTERM)
  they are gone from it and in place on the new master;
- a reload of the master that swaps one virtual route removes that one and adds the other, touching
  nothing else;
- static addresses, routes and rules are in place after start (one left by an earlier run is taken over),
  a reload that adds one route and drops another changes only those two, and SIGTERM removes them all."""
import os
import signal
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import ThreeHostCase, director_binary, instance_conf, master_down, wait_until  # noqa: E402

VIRTUAL_ROUTES = """
    virtual_routes {
        198.19.10.0/24 via 198.18.0.254 dev eth0 table 100
        blackhole 198.19.11.0/24 table 100
        198.19.12.0/24 dev eth0 src 198.18.0.100
    }
    virtual_rules {
        from 198.18.0.100 table 100 priority 1000
    }
"""

STATICS = """
static_ipaddress {
    198.18.50.1/24 dev eth0 label eth0:st
}
static_routes {
    198.19.20.0/24 via 198.18.50.254 dev eth0 table 200
    198.19.21.0/24 via 198.18.50.254 table 200
    blackhole 198.19.22.0/24 table 200
}
static_rules {
    to 198.19.20.0/24 table 200 priority 2000
    fwmark 7 table 200 priority 2001
}
"""


def route_table(host, table):
    # A table that never had a route does not exist: `ip` fails, and that means empty.
    return host.run(["ip", "-4", "route", "show", "table", str(table)], check=False).stdout


def ip_rules(host):
    return host.run(["ip", "-4", "rule", "show"]).stdout


def virtual_present(host):
    """How many of the four virtual entries are in `host`'s kernel."""
    t100, main, rules = route_table(host, 100), route_table(host, "main"), ip_rules(host)
    return sum([
        "198.19.10.0/24 via 198.18.0.254 dev eth0" in t100,
        "blackhole 198.19.11.0/24" in t100,
        "198.19.12.0/24 dev eth0" in main and "src 198.18.0.100" in main,
        "1000:\tfrom 198.18.0.100 lookup 100" in rules,
    ])


def reload(daemon):
    return subprocess.run([director_binary(), "reload", "--control-socket", daemon.sock],
                          capture_output=True, text=True, timeout=30)


def rewrite(daemon, text):
    tmp = daemon.conf + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, daemon.conf)


class Routes(ThreeHostCase):
    PREFIX = "rts"

    def tearDown(self):
        super().tearDown()  # daemons killed first, so nothing re-adds what is removed here
        for h in (self.a, self.b):
            for table in (100, 200):
                h.run(["ip", "route", "flush", "table", str(table)], check=False)
            h.run(["ip", "route", "del", "198.19.12.0/24", "dev", "eth0"], check=False)
            for prio in (1000, 2000, 2001):
                h.run(["ip", "rule", "del", "priority", str(prio)], check=False)
            h.run(["ip", "addr", "del", "198.18.50.1/24", "dev", "eth0"], check=False)

    def elect(self, extra):
        da = self.daemon(self.a, "a", instance_conf(150, "MASTER", extra=extra))
        db = self.daemon(self.b, "b", instance_conf(100, extra=extra))
        wait_until(lambda: da.state() == "MASTER" and virtual_present(self.a) == 4, master_down(150) + 3,
                   "a is master with its virtual routes and rule")
        wait_until(lambda: db.state() == "BACKUP", 3, "b is backup")
        return da, db

    def test_virtual_routes_and_rule_live_on_the_master_only_and_follow_it_on_sigterm(self):
        da, db = self.elect(VIRTUAL_ROUTES)
        self.assertEqual(virtual_present(self.b), 0, route_table(self.b, 100) + ip_rules(self.b))
        ia = da.instance()
        self.assertEqual(len(ia["virtual_routes"]), 3)
        self.assertEqual(sorted(ia["virtual_routes_held"]), sorted(ia["virtual_routes"]))
        self.assertEqual(ia["virtual_rules_held"], ["priority 1000 from 198.18.0.100/32 table 100"])
        self.assertEqual(db.instance()["virtual_routes_held"], [])
        summary = subprocess.run([director_binary(), "status", "--control-socket", da.sock],
                                 capture_output=True, text=True).stdout
        self.assertIn("virtual_routes held 3/3, virtual_rules held 1/1", summary)

        da.signal(signal.SIGTERM)
        self.assertEqual(da.wait_exit(10), 0)
        self.assertEqual(virtual_present(self.a), 0, route_table(self.a, 100) + ip_rules(self.a))
        wait_until(lambda: db.state() == "MASTER" and virtual_present(self.b) == 4, 5,
                   "b took over with the virtual routes and rule")
        self.assertIn("added virtual route 198.19.12.0/24 dev eth0 src 198.18.0.100", db.log())
        self.assertIn("removed virtual rule priority 1000 from 198.18.0.100/32 table 100", da.log())

    def test_reload_of_the_master_swaps_one_virtual_route_and_touches_nothing_else(self):
        da, db = self.elect(VIRTUAL_ROUTES)
        swapped = VIRTUAL_ROUTES.replace("blackhole 198.19.11.0/24", "unreachable 198.19.13.0/24")
        rewrite(da, instance_conf(150, "MASTER", extra=swapped))
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("virtual_route unreachable 198.19.13.0/24 table 100 added", r.stdout)
        t100 = route_table(self.a, 100)
        self.assertIn("unreachable 198.19.13.0/24", t100)
        self.assertNotIn("198.19.11.0/24", t100)
        self.assertIn("198.19.10.0/24 via 198.18.0.254 dev eth0", t100)
        log = da.log()
        # Only the swapped route was touched: the others were added once, at the election.
        self.assertEqual(log.count("added virtual route 198.19.10.0/24"), 1)
        self.assertEqual(log.count("added virtual rule"), 1)
        self.assertNotIn("removed virtual route 198.19.10.0/24", log)
        self.assertEqual(da.state(), "MASTER")
        # The backup's reload adds nothing: it is not master.
        rewrite(db, instance_conf(100, extra=swapped))
        self.assertEqual(reload(db).returncode, 0)
        self.assertNotIn("198.19.13.0/24", route_table(self.b, 100))

    def test_static_entries_in_place_at_start_reload_applies_the_difference_sigterm_removes_them(self):
        # An earlier run killed with kill -9 left one route: it is taken over, not an error.
        self.a.run(["ip", "route", "add", "blackhole", "198.19.22.0/24", "table", "200"])
        da = self.daemon(self.a, "a", STATICS + instance_conf(150, "MASTER"))

        def statics_in_place():
            t200, rules = route_table(self.a, 200), ip_rules(self.a)
            return (self.a.has_address("198.18.50.1", "eth0") and
                    "198.19.20.0/24 via 198.18.50.254 dev eth0" in t200 and
                    "198.19.21.0/24 via 198.18.50.254 dev eth0" in t200 and
                    "blackhole 198.19.22.0/24" in t200 and
                    "2000:\tfrom all to 198.19.20.0/24 lookup 200" in rules and
                    "2001:\tfrom all fwmark 0x7 lookup 200" in rules)

        wait_until(lambda: da.status() is not None and statics_in_place(), 5, "static entries in place")
        self.assertIn("eth0:st", self.a.run(["ip", "-4", "addr", "show", "dev", "eth0"]).stdout)
        st = da.status()["static"]
        self.assertTrue(all(e["held"] for kind in ("addresses", "routes", "rules") for e in st[kind]), st)
        self.assertNotIn("last_error", st)

        rewrite(da, STATICS.replace("198.19.21.0/24", "198.19.23.0/24") + instance_conf(150, "MASTER"))
        r = reload(da)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        t200 = route_table(self.a, 200)
        self.assertIn("198.19.23.0/24 via 198.18.50.254 dev eth0", t200)
        self.assertNotIn("198.19.21.0/24", t200)
        self.assertIn("198.19.20.0/24 via 198.18.50.254 dev eth0", t200)
        self.assertIn("blackhole 198.19.22.0/24", t200)
        log = da.log()
        self.assertIn("static route 198.19.21.0/24 via 198.18.50.254 table 200 removed", log)
        self.assertEqual(log.count("static route 198.19.23.0/24 via 198.18.50.254 table 200 in place"), 1)
        # The unchanged entries were put in place once, at start, and never removed.
        self.assertEqual(log.count("static route 198.19.20.0/24 via 198.18.50.254 dev eth0 table 200 in place"), 1)
        self.assertEqual(log.count("static_ipaddress 198.18.50.1/24"), 1)
        self.assertNotIn("static rule priority 2000 from all to 198.19.20.0/24 table 200 removed", log)

        da.signal(signal.SIGTERM)
        self.assertEqual(da.wait_exit(10), 0)
        self.assertEqual(route_table(self.a, 200).strip(), "")
        rules = ip_rules(self.a)
        self.assertNotIn("lookup 200", rules)
        self.assertFalse(self.a.has_address("198.18.50.1", "eth0"))


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
