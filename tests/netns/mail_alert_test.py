#!/usr/bin/python3
"""Mail alerts (keepalived's smtp_server / notification_email / smtp_alert) against a real SMTP server,
python3-aiosmtpd on the observer c (root; namespaces only, 198.18.0.0/15):
- a switchover produces exactly one mail per node: "[lb-a] VRRP_Instance(VI_1) MASTER -> BACKUP" from a and
  "[lb-b] VRRP_Instance(VI_1) BACKUP -> MASTER" from b, each body naming the node, the change and the reason;
- smtp_alert off in the instance: no mail;
- with the SMTP server unreachable (nothing answers at its address) the hand-over still takes Skew_Time, and
  the undelivered mail is counted in `director status` and in /metrics' terms."""
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import ThreeHostCase, director_binary, instance_conf, master_down, skew, wait_until  # noqa: E402

SMTP_SERVER = r"""
import json, sys, time
from aiosmtpd.controller import Controller

class Keep:
    async def handle_DATA(self, server, session, envelope):
        with open(sys.argv[3], "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "peer": session.peer[0],
                                "data": envelope.content.decode("utf-8", "replace")}) + "\n")
        return "250 OK"

c = Controller(Keep(), hostname=sys.argv[1], port=int(sys.argv[2]))
c.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def conf(prio, node, server="198.18.0.3", extra=""):
    text = instance_conf(prio, extra=extra, globals_=(
        f"    smtp_server {server} 2525\n    smtp_connect_timeout 2\n"
        "    notification_email {\n        ops@example.com\n    }\n"))
    return text.replace("router_id test", f"router_id {node}")


class MailAlertTest(ThreeHostCase):
    PREFIX = "mal"

    def smtp(self):
        self.spool = os.path.join(self.wd, "mails.jsonl")
        open(self.spool, "w").close()
        p = self.c.popen(["/usr/bin/python3", "-c", SMTP_SERVER, "198.18.0.3", "2525", self.spool],
                         stdout=subprocess.PIPE, text=True)
        self.addCleanup(p.stdout.close)
        self.assertEqual(p.stdout.readline().strip(), "ready")

    def mails(self):
        with open(self.spool) as f:
            return [json.loads(line) for line in f if line.strip()]

    def subjects(self):
        out = []
        for m in self.mails():
            for line in m["data"].splitlines():
                if line.startswith("Subject: "):
                    out.append(line[len("Subject: "):])
        return out

    def switchover(self, a):
        r = subprocess.run([director_binary(), "switchover", "--control-socket", a.sock], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return int(r.stdout.split("hand-over took ")[1].split(" ms")[0])

    def test_switchover_sends_one_mail_per_node(self):
        self.smtp()
        a = self.daemon(self.a, "a", conf(150, "lb-a"))
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        b = self.daemon(self.b, "b", conf(100, "lb-b"))
        wait_until(lambda: b.state() == "BACKUP", 5, "b backup")
        wait_until(lambda: "[lb-b] VRRP_Instance(VI_1) INIT -> BACKUP" in self.subjects(), 10, "startup mails")
        before = len(self.mails())
        self.switchover(a)
        wait_until(lambda: len(self.mails()) >= before + 2, 10, "two mails")
        time.sleep(1)  # and no third
        new = self.mails()[before:]
        subjects = sorted(s for m in new for s in [l[9:] for l in m["data"].splitlines() if l.startswith("Subject: ")])
        self.assertEqual(subjects, ["[lb-a] VRRP_Instance(VI_1) MASTER -> BACKUP",
                                    "[lb-b] VRRP_Instance(VI_1) BACKUP -> MASTER"], new)
        from_a = next(m for m in new if m["peer"] == "198.18.0.1")
        self.assertEqual(from_a["from"], "director@lb-a")
        self.assertEqual(from_a["to"], ["ops@example.com"])
        self.assertIn("Node:   lb-a", from_a["data"])
        self.assertIn("Reason: switchover: handed over to 198.18.0.2 (priority 100)", from_a["data"])
        self.assertEqual(a.status()["mail"]["failed"], 0)

    def test_smtp_alert_off_in_the_instance_sends_nothing(self):
        self.smtp()
        a = self.daemon(self.a, "a", conf(150, "lb-a", extra="    smtp_alert off\n"))
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        time.sleep(1)
        self.assertEqual(self.mails(), [])
        self.assertEqual(a.status()["mail"]["sent"], 0)

    def test_unreachable_smtp_server_delays_nothing_and_is_counted(self):
        # 198.18.0.99: nobody answers ARP there, so each connection attempt hangs until its timeout.
        a = self.daemon(self.a, "a", conf(150, "lb-a", server="198.18.0.99"))
        wait_until(lambda: a.state() == "MASTER", master_down(150) + 2, "a master")
        b = self.daemon(self.b, "b", conf(100, "lb-b", server="198.18.0.99"))
        wait_until(lambda: b.state() == "BACKUP", 5, "b backup")
        took = self.switchover(a)
        self.assertLessEqual(took, (skew(100) + 0.1) * 1000)
        wait_until(lambda: b.status()["mail"]["failed"] >= 1, 15, "b counts the mail it could not send")
        s = b.status()["mail"]
        self.assertIn("198.18.0.99", s["server"])
        self.assertTrue(s["last_error"], s)
        self.assertEqual(b.state(), "MASTER")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
