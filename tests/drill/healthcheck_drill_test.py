#!/usr/bin/python3
"""Health-check drills (root; namespaces only, 198.18.0.0/15): a director on a checks eight real servers on b
(tests/drill/misbehaving_servers.py) every second with a 1 s timeout: one good HTTPS server, and servers that
accept TCP but never answer, stall the TLS handshake, send an endless body, send a 10 MB header, present an
expired certificate, present one without their IP in its SANs, and flap every 2 s. This host's kernel has no
IPVS, so what is judged is the checks' verdict in `director status`: each bad server is out of service within
its first check (warmup + connect_timeout), the flapping one goes out in its first down phase and never comes
back (rise 4), none of them ever returns, the good one stays in,
and its checks keep their one-second rhythm (measured at the server) while the others hang, and the daemon
counts no check that started later than connect_timeout after it was due."""
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from vrrp_harness import SLACK, ThreeHostCase  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SERVERS = {  # address:port -> (checker, what it does)
    "198.18.0.11:443": ("SSL_GET", "good"),
    "198.18.0.12:80": ("HTTP_GET", "never answers"),
    "198.18.0.13:443": ("SSL_GET", "stalls the TLS handshake"),
    "198.18.0.14:80": ("HTTP_GET", "endless body"),
    "198.18.0.15:80": ("HTTP_GET", "10 MB header"),
    "198.18.0.16:443": ("SSL_GET", "expired certificate"),
    "198.18.0.17:443": ("SSL_GET", "certificate without its IP"),
    "198.18.0.18:80": ("HTTP_GET", "flaps every 2 s"),
}
DELAY, TIMEOUT = 1, 1


def conf(pki):
    rs = ""
    for ap, (kind, _) in SERVERS.items():
        addr, port = ap.split(":")
        rise = "      rise 4\n" if addr.endswith(".18") else ""
        rs += (f"  real_server {addr} {port} {{\n    weight 1\n    {kind} {{\n      url {{\n        path /healthz\n"
               f"        status_code 200\n      }}\n      connect_timeout {TIMEOUT}\n      retry 0\n{rise}    }}\n  }}\n")
    return (f"SSL {{\n  ca {pki}/ca.crt\n}}\nvirtual_server 198.18.0.100 443 {{\n  delay_loop {DELAY}\n  lb_algo rr\n"
            f"  lb_kind NAT\n  protocol TCP\n{rs}}}\n")


class HealthCheckDrill(ThreeHostCase):
    PREFIX = "drh"

    def test_bad_real_servers_go_out_in_time_and_never_delay_the_good_one(self):
        pki = os.path.join(self.wd, "pki")
        subprocess.run(["sh", os.path.join(REPO, "tests/healthcheck/make_test_pki.sh"), pki], check=True)
        # An expired leaf from the same CA: valid until yesterday.
        subprocess.run(["sh", "-c", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 "
                        "-out expired-server.key && openssl req -new -key expired-server.key -subj /CN=expired "
                        "-addext subjectAltName=IP:198.18.0.16 -out e.csr && printf 'subjectAltName=IP:198.18.0.16\\n' > e.ext "
                        "&& openssl x509 -req -in e.csr -CA ca.crt -CAkey ca.key -days -1 -extfile e.ext "
                        "-out expired-server.crt"], cwd=pki, check=True, capture_output=True)
        for i in range(11, 19):
            self.b.run(["ip", "addr", "add", f"198.18.0.{i}/24", "dev", "eth0"])
        hits = os.path.join(self.wd, "good.hits")
        servers = self.b.popen(["/usr/bin/python3", os.path.join(HERE, "misbehaving_servers.py"), pki, hits],
                               stdout=subprocess.PIPE, text=True)
        self.assertEqual(servers.stdout.readline().strip(), "ready")
        d = self.daemon(self.a, "a", conf(pki))
        started = time.monotonic()

        def states():
            s = d.status()
            if not s or "lvs" not in s or not s["lvs"].get("membership"):
                return {}
            return {r["address"]: r for r in s["lvs"]["membership"][0]["real_servers"]}

        out_at, back_in = {}, set()
        bound = DELAY + TIMEOUT + SLACK  # warmup (<= delay_loop) + one timed-out check
        # Watched for 11 s: every bad server's first check, and a few flaps of .18 and checks of the good one.
        while time.monotonic() - started < 11:
            for ap, r in states().items():
                if r["state"] != "up" and ap not in out_at:
                    out_at[ap] = time.monotonic() - started
                elif r["state"] == "up" and ap in out_at:
                    back_in.add(ap)
            time.sleep(0.05)
        final = states()
        with open(hits) as f:
            stamps = [float(x) for x in f.read().split()]
        gaps = [round(y - x, 2) for x, y in zip(stamps, stamps[1:])]
        for ap, (kind, what) in SERVERS.items():
            r = final[ap]
            last = r["checkers"][0].get("last", {})
            print(f"  {ap:16} {what:28} out after {out_at.get(ap, float('nan')):.2f} s, now {r['state']:8} "
                  f"checks {r['checkers'][0]['checks']:3} last: {last.get('reason', '')[:90]}")
        print(f"good server's checks: {len(stamps)} hits, gaps {gaps}")
        hc = d.status()["lvs"]["health_checks"]
        print(f"start delays: latest {hc['start_delay_max_ms']:.1f} ms after due, {hc['late_starts']} of "
              f"{hc['starts']} starts later than connect_timeout")
        self.assertEqual(final["198.18.0.11:443"]["state"], "up")
        self.assertNotIn("198.18.0.11:443", out_at)
        for ap in SERVERS:
            if ap == "198.18.0.11:443":
                continue
            self.assertIn(ap, out_at, f"{ap} ({SERVERS[ap][1]}) was never taken out")
            self.assertNotIn(ap, back_in, f"{ap} ({SERVERS[ap][1]}) came back in service")
            if ap != "198.18.0.18:80":  # it answers until its first down phase
                self.assertLessEqual(out_at[ap], bound, f"{ap} ({SERVERS[ap][1]}) out too late")
        self.assertGreaterEqual(len(gaps), 6)
        self.assertLess(max(gaps), DELAY + 0.3, "a hanging server delayed the good one's checks")
        # The daemon's own account agrees: no server's work held the loop so long that a check started
        # more than connect_timeout after it was due.
        self.assertEqual(hc["checkers"], len(SERVERS))
        self.assertGreaterEqual(hc["starts"], hc["checks"])
        self.assertEqual(hc["late_starts"], 0, "a misbehaving server held the event loop past connect_timeout")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
