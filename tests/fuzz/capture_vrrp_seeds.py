#!/usr/bin/python3
"""Captures real VRRPv2 adverts from the Debian keepalived into tests/fuzz/corpus/vrrp_packet/, as the
director's raw socket receives them (IPv4 header included). Run as root when the seeds need refreshing;
everything happens in network namespaces (tests/lib/netns.py), addresses from 198.18.0.0/15."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from netns import Topology, wait_until  # noqa: E402

OUT = os.path.join(HERE, "corpus", "vrrp_packet")

# Runs in the listener's namespace: joins 224.0.0.18 and writes each protocol-112 datagram to a file.
LISTENER = r"""
import socket, struct, sys
out, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack("4s4s", socket.inet_aton("224.0.0.18"),
             socket.inet_aton("198.18.0.2")))
s.settimeout(15)
for i in range(count):
    data = s.recv(65535)
    with open(f"{out}-{i}", "wb") as f:
        f.write(data)
"""

CASES = {
    # name: (instance body, adverts to keep)
    "keepalived-mcast-noauth": ("""
    virtual_router_id 51
    priority 110
    virtual_ipaddress {
        198.18.0.100/24 dev eth0
    }""", 2),
    "keepalived-mcast-pass-3vips": ("""
    virtual_router_id 7
    priority 200
    advert_int 2
    authentication {
        auth_type PASS
        auth_pass k8sHA
    }
    virtual_ipaddress {
        198.18.0.100/24 dev eth0
        198.18.0.101/24 dev eth0
        198.18.1.5/32 dev eth0
    }""", 1),
    "keepalived-unicast-pass": ("""
    virtual_router_id 200
    priority 150
    unicast_src_ip 198.18.0.1
    unicast_peer {
        198.18.0.2
    }
    authentication {
        auth_type PASS
        auth_pass secret12
    }
    virtual_ipaddress {
        198.18.0.100/24 dev eth0
    }""", 1),
    "keepalived-owner-20vips": ("""
    virtual_router_id 255
    priority 255
    virtual_ipaddress {
""" + "\n".join(f"        198.18.2.{i}/32 dev eth0" for i in range(1, 21)) + """
    }""", 1),
}


def conf(body):
    return f"""global_defs {{
    router_id seeds
    vrrp_version 2
}}
vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    {body}
}}
"""


def capture(topo, work, name, body, count):
    a, b = topo.hosts["a"], topo.hosts["b"]
    listener = b.popen([sys.executable, "-c", LISTENER, os.path.join(OUT, name), str(count + 1)])
    path = os.path.join(work, name + ".conf")
    with open(path, "w") as f:
        f.write(conf(body))
    ka = a.popen(["keepalived", "-n", "-l", "-D", "-f", path, "-p", os.path.join(work, name + ".pid"),
                  "-r", os.path.join(work, name + ".vrrp.pid"), "-c", os.path.join(work, name + ".chk.pid")],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: os.path.exists(os.path.join(OUT, f"{name}-{count - 1}")), 20, f"{name}: {count} adverts")
    # The last one is the priority-0 advert keepalived sends when it stops (RFC 3768 6.4.3).
    os.kill(ka.pid, signal.SIGTERM)
    ka.wait(timeout=10)
    listener.wait(timeout=20)


def main():
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    if not shutil.which("keepalived"):
        sys.exit("keepalived is not installed")
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="vrrp-seeds")
    try:
        with Topology("seed") as topo:
            topo.host("a", "198.18.0.1/24")
            topo.host("b", "198.18.0.2/24")
            for name, (body, count) in CASES.items():
                capture(topo, work, name, body, count)
                time.sleep(0.2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
