#!/usr/bin/python3
"""Heap an idle, handshaken client TLS connection holds in OpenSSL 3 (what HTTP keep-alive between
checks would keep per real server), for the SSL_CTX settings that change it.

Run (root, in a namespace of its own, like hc_bench.py; builds tls_idle_cost.c with cc):
    ip netns add hc && ip -n hc link set lo up && N=500 ip netns exec hc bench/healthcheck/tls_idle_cost.py

hc_bench.py's nginx (N TLS ports, test-CA certificate with IP SAN 127.0.0.1) serves; N connections are
opened, each verified and answered once, and kept; heap in use (mallinfo2) before and after, divided by N.
"""
import os
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hc_bench as hb  # noqa: E402
import nginx_tls  # noqa: E402

MODES = [
    (0, "defaults"),
    (1, "SSL_MODE_RELEASE_BUFFERS"),
    (1 | 2, "RELEASE_BUFFERS + SSL_OP_NO_TICKET"),
    (8, "resumed (one SSL_SESSION shared)"),
    (1 | 8, "resumed + RELEASE_BUFFERS"),
]


def main():
    exe = os.path.join(hb.WORK, "tls_idle_cost")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "tls_idle_cost.c"), "-lssl", "-lcrypto"], check=True)
    pki = os.path.join(hb.WORK, "pki")
    subprocess.run(["sh", os.path.join(hb.ROOT, "tests", "healthcheck", "make_test_pki.sh"), pki], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nginx, _ = nginx_tls.start(hb.WORK, hb.N, hb.BASE_PORT, pki)
    try:
        print(f"idle client TLS connection, OpenSSL {subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.split()[1]}, N={hb.N}")
        print(f"{'SSL_CTX':<40}{'protocol':<10}{'heap per connection':>20}")
        for mode, what in MODES:
            out = subprocess.run([exe, os.path.join(pki, "ca.crt"), str(hb.BASE_PORT), str(hb.N), str(mode)],
                                 capture_output=True, text=True, check=True).stdout.split()
            print(f"{what:<40}{out[0]:<10}{int(out[1]):>14} bytes")
    finally:
        os.killpg(nginx.pid, signal.SIGKILL)
        nginx.wait()
        shutil.rmtree(hb.WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
