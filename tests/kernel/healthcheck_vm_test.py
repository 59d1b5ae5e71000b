#!/usr/bin/python3
"""Health checks deciding IPVS membership on a real kernel (VM, label vm).

Run: tests/kernel/run-in-vm.sh --env DIRECTOR_BIN=$PWD/build/bin/director -- tests/kernel/healthcheck_vm_test.py

A NAT virtual_server 198.18.1.100:443 with real servers rs1..rs3 (openssl s_server, certificates from the
test CA with IP SANs) and rs4 (certificate from another CA), all checked by SSL_GET /healthz with the CA
configured, `alpha` so nothing is in service before it passed. A client loops HTTPS requests through the
VIP the whole time. rs1's /healthz starts failing (its /healthz body changes, as an apiserver turns unready before it stops):
weight 0 within delay_loop + connect_timeout, removed at the next check, then the process is stopped;
it comes back after it is restarted. The client must see no failed request. rs4 is never in the table.
Finally two servers fail their checks: below quorum the sorry_server is installed.
Then, in the same boot, kernel_tls_cases: kept SSL_GET connections carried by the kernel's TLS.
"""
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from netns import Topology, sh, wait_until  # noqa: E402
import kernel_tls_cases  # noqa: E402  (same boot: kept SSL_GET connections on the kernel's TLS)

HERE = os.path.dirname(os.path.abspath(__file__))
DIRECTOR = os.environ.get("DIRECTOR_BIN") or os.path.join(os.getcwd(), "build", "bin", "director")
WORK = tempfile.mkdtemp(prefix="hc-vm-")
PKI = os.path.join(WORK, "pki")
DELAY, TIMEOUT = 2, 2
# openssl s_server -WWW answers 200 even for missing files, so readiness is the body: digest of "ok\n".
OK_MD5 = hashlib.md5(b"ok\n").hexdigest()

CLIENT = r"""
import http.client, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
ok = failed = 0
stop = sys.argv[3]
import os
while not os.path.exists(stop):
    try:
        c = http.client.HTTPSConnection(sys.argv[1], 443, timeout=5, context=ctx)
        c.request("GET", "/index.txt")
        r = c.getresponse()
        body = r.read()
        if r.status == 200 and body.startswith(b"rs"):
            ok += 1
        else:
            failed += 1
            print("bad response", r.status, body[:40], flush=True)
        c.close()
    except Exception as e:
        failed += 1
        print("request failed:", e, flush=True)
    time.sleep(0.05)
print(f"ok={ok} failed={failed}", flush=True)
"""


def ipvs_dests(ns):
    out = sh(["ip", "netns", "exec", ns, "ipvsadm", "-Ln"]).stdout
    dests = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "->" and parts[1][0].isdigit():
            dests[parts[1]] = int(parts[3])
    return dests


def start_sserver(host, name, cert):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "healthz"), "w") as f:
        f.write("ok\n")
    with open(os.path.join(d, "index.txt"), "w") as f:
        f.write(f"{name}\n")
    p = host.popen(["openssl", "s_server", "-quiet", "-accept", "443", "-cert", f"{PKI}/{cert}.crt",
                    "-key", f"{PKI}/{cert}.key", "-WWW"], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, d


def unready(server_dir):
    with open(os.path.join(server_dir, "healthz"), "w") as f:
        f.write("shutting down\n")


def main():
    subprocess.run(["sh", os.path.join(HERE, "..", "healthcheck", "make_test_pki.sh"), PKI], check=True)
    failures = 0
    with Topology("hc") as t:
        lb = t.host("lb", "198.18.0.1/24", extra_cidrs=("198.18.1.1/24", "198.18.1.100/32"))
        lb.run(["sysctl", "-qw", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0"])
        client = t.host("cl", "198.18.1.2/24")
        client.run(["ip", "route", "add", "default", "via", "198.18.1.1"])
        servers = {}
        for i, cert in ((1, "server"), (2, "server"), (3, "server"), (4, "other-server"), (9, "server")):
            h = t.host(f"rs{i}", f"198.18.0.1{i}/24")
            h.run(["ip", "route", "add", "default", "via", "198.18.0.1"])
            servers[i] = (h,) + start_sserver(h, f"rs{i}", cert)
        rs = "".join(
            f"  real_server 198.18.0.1{i} 443 {{\n    weight 1\n    SSL_GET {{\n      url {{\n        path /healthz\n"
            f"        status_code 200\n        digest {OK_MD5}\n      }}\n      connect_timeout {TIMEOUT}\n      retry 0\n    }}\n  }}\n"
            for i in (1, 2, 3, 4))
        conf = os.path.join(WORK, "director.conf")
        with open(conf, "w") as f:
            f.write(f"SSL {{\n  ca {PKI}/ca.crt\n}}\nvirtual_server 198.18.1.100 443 {{\n  delay_loop {DELAY}\n"
                    f"  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  alpha\n  quorum 2\n"
                    f"  sorry_server 198.18.0.19 443\n{rs}}}\n")
        log = open(os.path.join(WORK, "director.log"), "w")
        d = lb.popen([DIRECTOR, "run", "-f", conf, "--pid-file", f"{WORK}/d.pid", "--control-socket",
                      f"{WORK}/d.sock", "--state-dir", f"{WORK}/state", "--log-level", "info"], stdout=log, stderr=subprocess.STDOUT)
        try:
            want = {"198.18.0.11:443": 1, "198.18.0.12:443": 1, "198.18.0.13:443": 1}
            wait_until(lambda: ipvs_dests(lb.ns) == want, 60, "three verified servers in service")
            print("PASS three servers in service, rs4 (other CA) absent:", ipvs_dests(lb.ns), flush=True)

            stop = os.path.join(WORK, "stop-client")
            cl = client.popen(["python3", "-c", CLIENT, "198.18.1.100", f"{PKI}/ca.crt", stop],
                              stdout=subprocess.PIPE, text=True)
            time.sleep(3)
            # rs1 turns unready: its health endpoint fails while it still serves traffic.
            unready(servers[1][2])
            t0 = time.monotonic()
            wait_until(lambda: ipvs_dests(lb.ns).get("198.18.0.11:443") == 0, DELAY + TIMEOUT + 5, "rs1 drained")
            drained = time.monotonic() - t0
            print(f"PASS rs1 at weight 0 after {drained:.1f}s (delay_loop {DELAY} + connect_timeout {TIMEOUT})",
                  flush=True)
            if drained > DELAY + TIMEOUT + 1.5:  # 1.5 s for the emulated VM's polling and scheduling
                print("FAIL drain took too long", flush=True)
                failures += 1
            wait_until(lambda: "198.18.0.11:443" not in ipvs_dests(lb.ns), DELAY + TIMEOUT + 5, "rs1 removed")
            print("PASS rs1 removed at the next check", flush=True)
            # Now it can stop; nothing is sent to it any more.
            os.killpg(servers[1][1].pid, signal.SIGKILL)
            time.sleep(DELAY)
            servers[1] = (servers[1][0],) + start_sserver(servers[1][0], "rs1", "server")
            wait_until(lambda: ipvs_dests(lb.ns).get("198.18.0.11:443") == 1, 3 * DELAY + TIMEOUT + 10, "rs1 back")
            print("PASS rs1 back with weight 1 after restart", flush=True)
            time.sleep(3)
            open(stop, "w").close()
            out, _ = cl.communicate(timeout=60)
            print("client:", out.strip().splitlines()[-1], flush=True)
            if "failed=0" not in out or "ok=0" in out:
                print("FAIL the client saw failed requests:\n" + out, flush=True)
                failures += 1
            else:
                print("PASS no failed request through the VIP", flush=True)
            assert "198.18.0.14:443" not in ipvs_dests(lb.ns)
            print("PASS rs4 never in service", flush=True)

            # Quorum 2 of weight: two servers failing leaves weight 1 -> sorry_server replaces them.
            unready(servers[2][2])
            unready(servers[3][2])
            wait_until(lambda: ipvs_dests(lb.ns) == {"198.18.0.19:443": 1}, 4 * (DELAY + TIMEOUT) + 10,
                       f"sorry_server installed: {ipvs_dests(lb.ns)}")
            print("PASS below quorum the sorry_server is the only destination", flush=True)
        except Exception as e:
            print(f"FAIL {e}", flush=True)
            failures += 1
        finally:
            d.send_signal(signal.SIGTERM)
            try:
                d.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(d.pid, signal.SIGKILL)
            log.close()
            if failures:
                print(open(os.path.join(WORK, "director.log")).read()[-4000:], flush=True)
    failures += kernel_tls_cases.run(DIRECTOR, PKI)
    return failures


if __name__ == "__main__":
    sys.exit(main())
