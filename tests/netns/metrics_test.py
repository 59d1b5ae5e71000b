#!/usr/bin/python3
"""Prometheus metrics of a VRRP pair (root; namespaces only, 198.18.0.0/15). Hosts a (priority 150) and b
(100) each serve /metrics on 127.0.0.1:9650 inside their namespace; every scrape is parsed with
python3-prometheus-client's parser, so a malformed exposition fails the test:
- the values agree with `director status --json` (state, priorities, adverts growing on both sides), and
  keepalived-exporter's names carry the same facts (keepalived_vrrp_state 2 on the master, 1 on the backup);
- an advert with a wrong password injected at b counts under reason="auth_password" and
  keepalived_authentication_failure_total;
- a failover (kill -9 of a) changes keepalived_vrrp_state on b within Master_Down_Interval;
- /healthz answers 200; another daemon asking for the same port fails to start with a clear error;
- with metrics_listen absent nothing listens."""
import os
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import (INJECTOR, SLACK, VIP, VRID, ThreeHostCase, instance_conf, master_down,  # noqa: E402
                          wait_until)

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # pragma: no cover - the suite's packages are installed by scripts/test.sh
    text_string_to_metric_families = None

LISTEN = "127.0.0.1:9650"
FETCH = r"""
import sys, urllib.request
try:
    r = urllib.request.urlopen("http://%s%s" % (sys.argv[1], sys.argv[2]), timeout=5)
    sys.stdout.write("%d\n" % r.status + r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write("%d\n" % e.code)
"""


def conf(prio, state="BACKUP", listen=LISTEN):
    return instance_conf(prio, state, globals_=f"    metrics_listen {listen}\n" if listen else "")


def fetch(host, path="/metrics", listen=LISTEN):
    r = host.run(["/usr/bin/python3", "-c", FETCH, listen, path], check=False)
    if r.returncode != 0 or not r.stdout:
        return None, ""
    code, _, body = r.stdout.partition("\n")
    return int(code), body


def scrape(host):
    """{(sample name, frozenset(labels)): value}; fails the test on a parse error."""
    code, body = fetch(host)
    if code != 200:
        return None
    out = {}
    for fam in text_string_to_metric_families(body):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


@unittest.skipIf(text_string_to_metric_families is None, "python3-prometheus-client is not installed")
class MetricsTest(ThreeHostCase):
    PREFIX = "met"

    def pair(self):
        a = self.daemon(self.a, "a", conf(150, "MASTER"))
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        b = self.daemon(self.b, "b", conf(100))
        wait_until(lambda: b.state() == "BACKUP", 5, "b backup")
        return a, b

    def test_values_agree_with_status_and_keepalived_names(self):
        a, b = self.pair()
        ma, mb = scrape(self.a), scrape(self.b)
        sa, sb = a.instance(), b.instance()
        for m, s, code in ((ma, sa, 2), (mb, sb, 1)):
            self.assertEqual(value(m, "director_vrrp_state", instance="VI_1", state=s["state"]), 1)
            self.assertEqual(value(m, "director_vrrp_priority", instance="VI_1"), s["priority"])
            self.assertEqual(value(m, "director_vrrp_effective_priority", instance="VI_1"), s["effective_priority"])
            self.assertEqual(value(m, "keepalived_vrrp_state", iname="VI_1", intf="eth0", vrid=str(VRID),
                                   ip_address=VIP), code)
            self.assertEqual(value(m, "keepalived_up"), 1)
        kl = dict(iname="VI_1", intf="eth0", vrid=str(VRID), state="MASTER")
        self.assertGreaterEqual(value(ma, "keepalived_become_master_total", **kl), 1)
        self.assertEqual(value(ma, "director_vrrp_transitions_total", instance="VI_1", **{"from": "BACKUP", "to": "MASTER"}),
                         1)
        # Counters grow between scrapes and match the status document taken in between.
        sent0 = value(ma, "director_vrrp_adverts_sent_total", instance="VI_1")
        recv0 = value(mb, "director_vrrp_adverts_received_total", instance="VI_1")
        time.sleep(2.5)
        mid_a, mid_b = a.instance(), b.instance()
        ma2, mb2 = scrape(self.a), scrape(self.b)
        sent1 = value(ma2, "director_vrrp_adverts_sent_total", instance="VI_1")
        recv1 = value(mb2, "director_vrrp_adverts_received_total", instance="VI_1")
        self.assertGreaterEqual(sent1 - sent0, 2)
        self.assertGreaterEqual(recv1 - recv0, 2)
        self.assertTrue(sent0 <= mid_a["adverts_sent"] <= sent1, (sent0, mid_a["adverts_sent"], sent1))
        self.assertTrue(recv0 <= mid_b["adverts_received"] <= recv1)
        self.assertEqual(value(mb2, "keepalived_advertisements_received_total", iname="VI_1", intf="eth0",
                               vrid=str(VRID), state="BACKUP"), recv1)
        self.assertEqual(value(ma2, "director_vrrp_master_info", instance="VI_1", master="198.18.0.1"), 1)
        self.assertEqual(fetch(self.a, "/healthz")[0], 200)
        self.assertEqual(fetch(self.a, "/nothing")[0], 404)

    def test_wrong_password_advert_is_a_labelled_drop(self):
        a, b = self.pair()
        before = scrape(self.b)
        drop0 = value(before, "director_vrrp_adverts_dropped_total", instance="VI_1", reason="auth_password")
        # To the VRRP group, as a real router sends: b's first checks (destination, TTL) pass, the password not.
        self.c.run(["ip", "route", "replace", "224.0.0.0/4", "dev", "eth0"])
        p = self.c.popen([sys.executable, "-c", INJECTOR, "224.0.0.18", "3", "0.05", "200", str(VRID), "wrong!", VIP])
        p.wait(timeout=20)
        wait_until(lambda: value(scrape(self.b), "director_vrrp_adverts_dropped_total", instance="VI_1",
                                 reason="auth_password") == drop0 + 3, 5, "three auth_password drops counted")
        after = scrape(self.b)
        self.assertEqual(value(after, "keepalived_authentication_failure_total", iname="VI_1", intf="eth0",
                               vrid=str(VRID), state="BACKUP"), drop0 + 3)
        self.assertEqual(b.state(), "BACKUP")

    def test_failover_changes_keepalived_vrrp_state_within_the_bound(self):
        a, b = self.pair()
        t0 = time.monotonic()
        a.signal(signal.SIGKILL)
        wait_until(lambda: value(scrape(self.b) or {}, "keepalived_vrrp_state", iname="VI_1", intf="eth0",
                                 vrid=str(VRID), ip_address=VIP) == 2, master_down(100) + 1 + SLACK,
                   "b reports MASTER")
        self.assertLessEqual(time.monotonic() - t0, master_down(100) + 1 + SLACK)
        mb = scrape(self.b)
        self.assertEqual(value(mb, "director_vrrp_state", instance="VI_1", state="MASTER"), 1)
        self.assertEqual(value(mb, "director_vrrp_state", instance="VI_1", state="BACKUP"), 0)

    def test_port_in_use_is_a_startup_error_and_no_listen_means_no_port(self):
        self.daemon(self.a, "a", conf(150, "MASTER"))
        wait_until(lambda: fetch(self.a, "/healthz")[0] == 200, 10, "a serves metrics")
        second = self.daemon(self.a, "a2", conf(120))
        self.assertEqual(second.wait_exit(10), 1)
        self.assertIn(f"metrics_listen {LISTEN}: cannot listen: Address already in use", second.log())
        self.assertNotIn("added VIP", second.log())
        # b without metrics_listen: nothing answers on the port there.
        b = self.daemon(self.b, "b", conf(100, listen=None))
        wait_until(lambda: b.state() == "BACKUP", 5, "b up")
        self.assertIsNone(fetch(self.b, "/healthz")[0])


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
