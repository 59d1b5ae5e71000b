"""Kept SSL_GET connections carried by the kernel's TLS (kTLS), against real nginx (VM, label vm).

Runs inside the healthcheck_vm boot (healthcheck_vm_test.py calls run()): this host's kernel has no kTLS,
the VM's stock Debian kernel has. In a namespace of its own, nginx serves /healthz over each TLS version
and cipher the kernel can take (TLS 1.2 and 1.3; AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305), with
`keepalive_requests 4`, and logs per request its connection, the request's number on it, the protocol,
cipher and whether the session was resumed. director checks each server every second.

What shows that the kernel carried the checks: director frees OpenSSL's state once a kept connection's
first response is in, so requests 2..4 on a connection were sealed by the kernel with keys and sequence
numbers director derived, and nginx (OpenSSL) decrypted them; a wrong key, IV or sequence number would
make nginx drop the connection at request 2 (the check would then pass on a new connection, so the log is
what is asserted, not the check result). The namespace's /proc/net/tls_stat counts the kernel's TLS
sockets and decryption errors; director's status says kernel_tls per check. A server that ends a
connection after 4 requests is reconnected with its TLS session resumed, and one whose idle connections
time out (keepalive_timeout shorter than delay_loop) is seen closed before the next request goes out.
SIGHUP reloads of the same config (two back to back, then another) while checks run keep every checker
and its kernel TLS connection: no connection in nginx's log ends before its 4th request.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

from netns import Topology, wait_until

# port: (nginx ssl_protocols, TLS 1.2 cipher list, TLS 1.3 suites, keepalive_timeout)
SERVERS = {
    9401: ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", None, "60s"),
    9402: ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", None, "60s"),
    9403: ("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", None, "60s"),
    9404: ("TLSv1.3", None, "TLS_AES_128_GCM_SHA256", "60s"),
    9405: ("TLSv1.3", None, "TLS_AES_256_GCM_SHA384", "60s"),
    9406: ("TLSv1.3", None, "TLS_CHACHA20_POLY1305_SHA256", "60s"),
    9407: ("TLSv1.3", None, "TLS_AES_128_GCM_SHA256", "500ms"),  # idle connections closed by the server
}
PER_CONNECTION = 4


def nginx_conf(work, pki):
    servers = ""
    for port, (proto, ciphers, suites, idle) in SERVERS.items():
        servers += (f"  server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_protocols {proto};\n"
                    f"    keepalive_timeout {idle};\n")
        if ciphers:
            servers += f"    ssl_ciphers {ciphers};\n"
        if suites:
            servers += f"    ssl_conf_command Ciphersuites {suites};\n"
        servers += "    location = /healthz { return 200 \"ok\\n\"; }\n  }\n"
    return f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 256; }}
http {{
  log_format k '$server_port $connection $connection_requests $ssl_protocol $ssl_cipher $ssl_session_reused $status';
  access_log {work}/access.log k;
  client_body_temp_path {work}/cb; proxy_temp_path {work}/px; fastcgi_temp_path {work}/fc;
  uwsgi_temp_path {work}/uw; scgi_temp_path {work}/sc;
  ssl_certificate {pki}/server.crt;
  ssl_certificate_key {pki}/server.key;
  ssl_session_cache shared:k:1m;
  keepalive_requests {PER_CONNECTION};
{servers}}}
"""


def access_log(work):
    """{port: [(connection, request number, protocol, cipher, reused, status)]} in log order."""
    out = {}
    try:
        with open(os.path.join(work, "access.log")) as f:
            for line in f:
                port, conn, req, proto, cipher, reused, status = line.split()
                out.setdefault(int(port), []).append((int(conn), int(req), proto, cipher, reused, status))
    except FileNotFoundError:
        pass
    return out


def tls_stat(host):
    out = {}
    for line in host.run(["cat", "/proc/net/tls_stat"]).stdout.splitlines():
        k, v = line.split()
        out[k] = int(v)
    return out


def run(director, pki):
    """Returns the number of failed assertions (each printed as FAIL)."""
    work = tempfile.mkdtemp(prefix="ktls-")
    failures = 0
    with Topology("ktls", bridge=False) as t:
        h = t.host("k")
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(nginx_conf(work, pki))
        nginx = h.popen(["nginx", "-p", work, "-c", f"{work}/nginx.conf", "-e", f"{work}/error.log", "-g", "daemon off;"])
        wait_until(lambda: all(f"127.0.0.1:{p} " in h.run(["ss", "-Htln"]).stdout for p in SERVERS), 30, "nginx listening")
        rs = "".join(
            f"  real_server 127.0.0.1 {port} {{\n    SSL_GET {{\n      url {{\n        path /healthz\n"
            f"        status_code 200\n      }}\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n"
            for port in SERVERS)
        conf = os.path.join(work, "director.conf")
        with open(conf, "w") as f:
            f.write(f"SSL {{\n  ca {pki}/ca.crt\n}}\nvirtual_server 198.18.2.100 443 {{\n  delay_loop 1\n"
                    f"  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n{rs}}}\n")
        log = open(os.path.join(work, "director.log"), "w")
        sock = os.path.join(work, "d.sock")
        d = h.popen([director, "run", "-f", conf, "--pid-file", f"{work}/d.pid", "--control-socket", sock,
                     "--state-dir", f"{work}/state", "--log-level", "info"], stdout=log, stderr=subprocess.STDOUT)
        try:
            want = 3 * PER_CONNECTION + 1  # three whole connections, and the fourth begun
            wait_until(lambda: all(len(access_log(work).get(p, [])) >= want for p in SERVERS), 60,
                       f"{want} checks logged by nginx on every port")
            stat = tls_stat(h)
            status = json.loads(h.run([director, "status", "--json", "--control-socket", sock]).stdout)
            # SIGHUP twice back to back (the kernel may merge the two into one reload), with checks in flight
            # (one a second per server), then once more: the config is the same, so each checker carries on
            # with its kernel TLS connection; one that was closed early and remade would show in the log below.
            status_now = lambda: json.loads(h.run([director, "status", "--json", "--control-socket", sock]).stdout)
            reloads = lambda: status_now().get("reload", {}).get("reloads", 0)
            before = reloads()
            d.send_signal(signal.SIGHUP)
            d.send_signal(signal.SIGHUP)
            wait_until(lambda: reloads() >= before + 1, 30, "a reload done")
            # A check on every server by the reloaded daemon before the next reload.
            done = {p: len(v) for p, v in access_log(work).items()}
            wait_until(lambda: all(len(access_log(work).get(p, [])) > done.get(p, 0) for p in SERVERS), 30,
                       "a check on every server after the first reload")
            middle = reloads()
            d.send_signal(signal.SIGHUP)
            wait_until(lambda: reloads() >= middle + 1, 30, "another reload done")
            last = status_now()["reload"].get("last", {})
            if last.get("ok") is not True:
                print(f"FAIL reload with kernel TLS connections open: {last}", flush=True)
                failures += 1
            seen = {p: len(v) for p, v in access_log(work).items()}
            wait_until(lambda: all(len(access_log(work).get(p, [])) >= seen.get(p, 0) + 2 * PER_CONNECTION
                                   for p in SERVERS), 60, "checks after the reloads")
            failed = [c for vs in status_now().get("lvs", {}).get("membership", []) for r in vs.get("real_servers", [])
                      for c in r.get("checkers", []) if c.get("failed")]
            if failed:
                print(f"FAIL checks failed around the reloads: {failed}", flush=True)
                failures += 1
        except Exception as e:
            print(f"FAIL kernel TLS: {e}", flush=True)
            failures += 1
            stat, status = {}, {}
        finally:
            d.send_signal(signal.SIGTERM)
            try:
                d.wait(timeout=30)
            except subprocess.TimeoutExpired:
                d.kill()
            log.close()
            nginx.terminate()
            nginx.wait()

        logged = access_log(work)
        for port, (proto, _, _, idle) in SERVERS.items():
            lines = logged.get(port, [])
            bad = [ln for ln in lines if ln[5] != "200" or ln[2] != proto]
            deepest = max((ln[1] for ln in lines), default=0)
            conns = sorted({ln[0] for ln in lines})
            resumed = [ln for ln in lines if ln[1] == 1 and ln[4] == "r"]
            # Every connection but the last one open carries PER_CONNECTION requests, reloads or not.
            early = [c for c in conns[:-1] if max(ln[1] for ln in lines if ln[0] == c) < PER_CONNECTION]
            what = f"port {port} {proto} {lines[0][3] if lines else '?'}"
            if bad or not lines:
                print(f"FAIL {what}: requests not answered 200 over {proto}: {bad[:3]}", flush=True)
                failures += 1
            elif idle == "60s" and deepest < PER_CONNECTION:
                # Request 2 and later went out sealed by the kernel: nginx read them, so the keys were right.
                print(f"FAIL {what}: no connection carried more than {deepest} request(s): {lines[:6]}", flush=True)
                failures += 1
            elif idle == "60s" and early:
                print(f"FAIL {what}: connection(s) {early} ended before request {PER_CONNECTION} (dropped by a "
                      f"reload?): {lines}", flush=True)
                failures += 1
            elif idle == "60s" and not resumed:
                print(f"FAIL {what}: no reconnection resumed its TLS session: {lines[:8]}", flush=True)
                failures += 1
            elif idle != "60s" and len(conns) < len(lines) - 1:
                print(f"FAIL {what}: idle connections closed by nginx were used again: {lines[:6]}", flush=True)
                failures += 1
            else:
                print(f"PASS {what}: {len(lines)} checks over {len(conns)} connections, up to {deepest} each, "
                      f"{len(resumed)} reconnection(s) resumed", flush=True)

        checkers = [c for vs in status.get("lvs", {}).get("membership", [])
                    for r in vs.get("real_servers", []) for c in r.get("checkers", [])]
        failed = [c for c in checkers if c.get("failed")]
        kernel = [c for c in checkers if c.get("last", {}).get("kernel_tls")]
        if len(checkers) != len(SERVERS) or failed:
            print(f"FAIL director status: {len(checkers)} checkers, failed: {failed}", flush=True)
            failures += 1
        elif len(kernel) < len(SERVERS) - 1:  # the idle-timeout server's connection may just have closed
            print(f"FAIL only {len(kernel)} of {len(SERVERS)} checks kept a kernel TLS connection: {checkers}", flush=True)
            failures += 1
        else:
            print(f"PASS director status: no failed check, {len(kernel)} kernel TLS connections", flush=True)
        if stat.get("TlsTxSw", 0) < len(SERVERS) or stat.get("TlsRxSw", 0) < len(SERVERS) or stat.get("TlsDecryptError", 1):
            print(f"FAIL /proc/net/tls_stat: {stat}", flush=True)
            failures += 1
        else:
            print(f"PASS /proc/net/tls_stat: {stat.get('TlsTxSw')} kernel TLS sockets made, "
                  f"{stat.get('TlsCurrTxSw')} open, no decrypt error", flush=True)
        if failures:
            print(open(os.path.join(work, "director.log")).read()[-3000:], flush=True)
    return failures
