#!/usr/bin/python3
"""Writes the seed corpora that are not keepalived captures (capture_vrrp_seeds.py makes those):

  config/         the repository's configs, the netns suites' configs and unit-test snippets
  ipvs_reply/     IPVS generic-netlink replies laid out as the kernel's ip_vs_ctl.c fills them, with the
                  values of tests/director/ipvs_messages_test.cpp (services, dests, info, config, daemons)
  rtnl_reply/     real NETLINK_ROUTE replies, captured from this kernel inside a throwaway namespace
                  (needs root; skipped otherwise): link lookups, address dumps, acks and errors
  http_response/  status lines, Content-Length, chunked and until-close bodies
  care_flags/     lvscare command lines (NUL-separated) from tests/director/care_options_test.cpp

Run from anywhere; rewrites the files it owns and leaves others alone."""
import os
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- netlink building blocks -------------------------------------------------------------------------
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_MULTI = 2


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def attr(kind, payload):
    return pad4(struct.pack("=HH", 4 + len(payload), kind) + payload)


def u16(kind, v):
    return attr(kind, struct.pack("=H", v))


def u32(kind, v):
    return attr(kind, struct.pack("=I", v))


def u64(kind, v):
    return attr(kind, struct.pack("=Q", v))


def be16(kind, v):
    return attr(kind, struct.pack("!H", v))


def be32(kind, v):
    return attr(kind, struct.pack("!I", v))


def string(kind, s):
    return attr(kind, s.encode() + b"\0")


def nlmsg(kind, payload, flags=0, seq=1, pid=0):
    return pad4(struct.pack("=IHHII", 16 + len(payload), kind, flags, seq, pid) + payload)


def done(seq=1):
    return nlmsg(NLMSG_DONE, struct.pack("=i", 0), NLM_F_MULTI, seq)


def ack(seq=1, err=0, request=b""):
    req = request or struct.pack("=IHHII", 16, 0x1d, 5, seq, 0)
    return nlmsg(NLMSG_ERROR, struct.pack("=i", err) + req[:16], 0, seq)


# ---- IPVS (values of ipvs_messages_test.cpp) ---------------------------------------------------------
FAMILY = 0x1d  # a typical resolved id of "IPVS"
CMD_NEW_SERVICE, CMD_NEW_DEST, CMD_NEW_DAEMON, CMD_SET_CONFIG, CMD_SET_INFO = 1, 5, 9, 12, 14


def genl(cmd, attrs, flags=NLM_F_MULTI, seq=1):
    return nlmsg(FAMILY, struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs), flags, seq)


def stats(kind, wide, values):
    put_ = u64 if wide else u32
    return attr(kind, b"".join(put_(i + 1, v) for i, v in enumerate(values)))


def service(proto=17, addr=bytes([198, 18, 0, 100]) + bytes(12), port=53, sched="sh", flags=0x3, fwmark=0):
    inner = [u16(1, socket.AF_INET)]
    if fwmark:
        inner.append(u32(5, fwmark))
    else:
        inner += [u16(2, proto), attr(3, addr), be16(4, port)]
    inner += [string(6, sched), attr(7, struct.pack("=II", flags, 0xFFFFFFFF)), u32(8, 0), be32(9, 0xFFFFFFFF),
              stats(10, False, [7, 100, 90, 6400, 5200, 0, 1, 1, 64, 52]),
              stats(12, True, [5000000000, 100, 90, 77, 5200, 0, 1, 1, 64, 52])]
    return attr(1, b"".join(inner))


def dest(addr=bytes([198, 18, 0, 11]) + bytes(12), port=8080, fwd=0x2 | 0x4, weight=3):
    inner = [attr(1, addr), be16(2, port), u32(3, fwd), u32(4, weight), u32(5, 0), u32(6, 0), u32(7, 12),
             u32(8, 4), u32(9, 2), stats(10, False, [99] + [0] * 9), u16(11, socket.AF_INET),
             stats(12, True, [99] + [0] * 9)]
    return attr(2, b"".join(inner))


def ipvs_seeds():
    put("ipvs_reply", "service-dump", genl(CMD_NEW_SERVICE, [service()]) +
        genl(CMD_NEW_SERVICE, [service(proto=6, port=6443, sched="wrr", flags=0x1)]) + done())
    put("ipvs_reply", "service-fwmark", genl(CMD_NEW_SERVICE, [service(fwmark=42, sched="rr")]) + done())
    put("ipvs_reply", "dest-dump", genl(CMD_NEW_DEST, [dest()]) + genl(CMD_NEW_DEST, [dest(port=8081, fwd=0)]) +
        done())
    put("ipvs_reply", "info", genl(CMD_SET_INFO, [u32(1, 0x010201), u32(2, 4096)], flags=0) + ack())
    put("ipvs_reply", "config", genl(CMD_SET_CONFIG, [u32(4, 900), u32(5, 120), u32(6, 300)], flags=0) + ack())
    daemon = attr(3, u32(1, 1) + string(2, "eth0") + u32(3, 51) + u16(4, 1472) +
                  attr(5, bytes([224, 0, 0, 81])) + u16(7, 8848) + attr(8, b"\x01"))
    put("ipvs_reply", "daemon-dump", genl(CMD_NEW_DAEMON, [daemon]) + done())
    put("ipvs_reply", "empty-service", genl(CMD_NEW_SERVICE, [], flags=0))
    put("ipvs_reply", "acks-and-error", ack(1) + ack(2) + ack(3, -17) + ack(4, -2))


# ---- rtnetlink: the kernel's own replies, from a namespace of our own ----------------------------------
RTNL_CAPTURE = r"""
import socket, struct, sys
out = sys.argv[1]
RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 18, 20, 22
F_REQUEST, F_ACK, F_DUMP, F_CREATE, F_EXCL = 1, 4, 0x300, 0x400, 0x200
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
seq = [100]
def attr(kind, payload):
    b = struct.pack("=HH", 4 + len(payload), kind) + payload
    return b + b"\0" * (-len(b) % 4)
def ask(kind, flags, body, name):
    seq[0] += 1
    s.send(struct.pack("=IHHII", 16 + len(body), kind, flags | F_REQUEST, seq[0], 0) + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        data += chunk
        # Dumps end with NLMSG_DONE, everything else with one ack/error (or the single reply + ack).
        last_type = None
        off = 0
        while off + 16 <= len(chunk):
            ln, last_type = struct.unpack_from("=IH", chunk, off)
            off += (ln + 3) & ~3
        if last_type in (2, 3):
            break
    open(f"{out}/{name}", "wb").write(data)
ifinfo = lambda idx: struct.pack("=BxHiII", 0, 0, idx, 0, 0)
ask(RTM_GETLINK, F_ACK, ifinfo(0) + attr(3, b"lo\0"), "link-lo")
ask(RTM_GETLINK, F_ACK, ifinfo(0) + attr(3, b"eth0\0"), "link-veth")
ask(RTM_GETLINK, F_ACK, ifinfo(0) + attr(3, b"lvscare\0"), "link-missing-enodev")
idx = socket.if_nametoindex("eth0")
addr = struct.pack("=BBBBi", socket.AF_INET, 32, 0, 0, idx) + attr(2, socket.inet_aton("198.18.0.100")) + \
    attr(1, socket.inet_aton("198.18.0.100"))
ask(RTM_NEWADDR, F_ACK | F_CREATE | F_EXCL, addr, "addr-add-ack")
ask(RTM_NEWADDR, F_ACK | F_CREATE | F_EXCL, addr, "addr-add-eexist")
ask(RTM_GETADDR, F_DUMP, struct.pack("=BBBBi", socket.AF_INET, 0, 0, 0, 0), "addr-dump")
"""


def rtnl_seeds():
    if os.geteuid() != 0:
        print("rtnl_reply: not root, keeping the committed captures", file=sys.stderr)
        return
    sys.path.insert(0, os.path.join(HERE, "..", "lib"))
    from netns import Topology
    out = os.path.join(CORPUS, "rtnl_reply")
    os.makedirs(out, exist_ok=True)
    with Topology("rtseed") as topo:
        h = topo.host("a", "198.18.0.1/24", extra_cidrs=("198.18.0.5/32",))
        h.run([sys.executable, "-c", RTNL_CAPTURE, out])
    # This kernel has no dummy driver: the reply care mode wants is the veth one with its kind renamed
    # ("veth\0" and "dummy\0" both pad to 8 bytes, so only the attribute length changes).
    veth = open(os.path.join(out, "link-veth"), "rb").read()
    i = veth.find(b"veth\0")
    if i >= 4:
        patched = bytearray(veth)
        patched[i - 4:i - 2] = struct.pack("=H", 4 + 6)
        patched[i:i + 8] = b"dummy\0\0\0"
        put("rtnl_reply", "link-dummy", bytes(patched))


# ---- HTTP responses ---------------------------------------------------------------------------------
def http_seeds():
    put("http_response", "ok-length", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
    put("http_response", "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n")
    put("http_response", "until-close", "HTTP/1.0 200 OK\r\nServer: nginx\r\n\r\n<html>body until close</html>\n")
    put("http_response", "no-content", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    put("http_response", "not-modified", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n")
    put("http_response", "redirect", "HTTP/1.1 301 Moved Permanently\r\nLocation: /healthz/\r\n"
        "Content-Length: 0\r\n\r\n")
    put("http_response", "server-error", "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 11\r\n\r\nunavailable")
    put("http_response", "kube-healthz", "HTTP/1.1 200 OK\r\nAudit-Id: 5f1c\r\nCache-Control: no-cache, private\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: Mon, 01 Jan 2024 "
        "00:00:00 GMT\r\nContent-Length: 2\r\n\r\nok")
    put("http_response", "bad-status", "HTTP/1.1 2x0 OK\r\n\r\n")
    put("http_response", "bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")


# ---- lvscare command lines --------------------------------------------------------------------------
def care_seeds():
    lines = {
        "defaults": ["--vs", "10.103.97.12:6443", "--rs", "192.168.0.2:6443"],
        "every-flag": ["--vs", "169.254.0.1:80", "--rs", "127.0.0.1:8081", "--rs", "127.0.0.1:8082,127.0.0.1:8083",
                       "--scheduler", "wlc", "-i", "kube-lb0", "--logger", "DEBG", "--mode", "link", "--run-once",
                       "--interval", "500ms", "--ip", "192.168.0.9", "--masqueradebit", "1", "--health-path",
                       "ready", "--health-schem", "http", "--health-req-method", "POST", "--health-req-body",
                       "{\"a\":1}", "--health-req-headers", "X-A=1", "--health-req-headers",
                       "Content-Type=application/json", "--health-status", "401", "--health-status", "403,404",
                       "--health-insecure-skip-verify=false", "--health-timeout", "1m30s"],
        "clean": ["--vs", "169.254.0.1:80", "--logger", "DEBG", "-C"],
        "tcp": ["--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--health-schem", "tcp"],
        "interval-seconds": ["--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--interval", "7"],
        "sealos-static-pod": ["--vs", "10.103.97.2:6443", "--health-path", "/healthz", "--health-schem", "https",
                              "--rs", "192.168.64.3:6443", "--rs", "192.168.64.4:6443", "--rs",
                              "192.168.64.5:6443"],
        "route-mode-hosts": ["--vs", "10.103.97.2:6443", "--rs", "192.168.64.3:6443", "--mode", "route",
                             "--interval", "1m2.5s"],
        "bad-masquerade": ["--vs", "1.2.3.4:80", "--rs", "1.2.3.5:80", "--masqueradebit", "32"],
    }
    for name, argv in lines.items():
        put("care_flags", name, "\0".join(argv))


# ---- configs ----------------------------------------------------------------------------------------
def config_seeds():
    for name in sorted(os.listdir(os.path.join(ROOT, "conf"))):
        if name.endswith(".conf"):
            with open(os.path.join(ROOT, "conf", name), "rb") as f:
                put("config", name, f.read())
    sys.path.insert(0, os.path.join(ROOT, "tests", "netns"))
    from vrrp_harness import instance_conf
    put("config", "netns-pass-auth.conf", instance_conf(110, "MASTER"))
    put("config", "netns-track-script.conf", instance_conf(
        100, scripts="vrrp_script chk {\n    script \"/bin/true\"\n    interval 1\n    weight -20\n    fall 2\n"
        "    rise 1\n}\n", track="    track_script {\n        chk\n    }\n", extra="    nopreempt\n"))
    put("config", "virtual-server.conf", """global_defs {
    router_id lvs1
}
virtual_server 198.18.0.100 6443 {
    delay_loop 2
    lb_algo wrr
    lb_kind DR
    persistence_timeout 300
    protocol TCP
    real_server 198.18.0.11 6443 {
        weight 3
        SSL_GET {
            url {
                path /healthz
                status_code 200
                digest 444bcb3a3fcf8389296c49467f27e1d6
            }
            connect_timeout 3
            retry 2
            delay_before_retry 1
        }
    }
    real_server 198.18.0.12 6443 {
        weight 1
        TCP_CHECK {
            connect_port 6443
            connect_timeout 2
        }
    }
    real_server 198.18.0.13 6443 {
        MISC_CHECK {
            misc_path "/bin/true 198.18.0.13"
            misc_timeout 5
        }
    }
}
virtual_server fwmark 42 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server 198.18.0.21 53 {
        HTTP_GET {
            url {
                path /
                status_code 200-299
            }
        }
    }
}
SSL {
    ca /nonexistent/ca.pem
}
""")
    put("config", "includes.conf", "include vrrp.conf\ninclude *.conf\ninclude self.conf\ninclude a.conf\n"
        "global_defs {\n    router_id inc\n}\n")
    put("config", "odd-syntax.conf", "# comment\n! also a comment\nglobal_defs {\n  router_id \"lvs one\" ! trailing\n"
        "  notification_email {\n    x@y\n  }\n}\n{\n}\n}\nvrrp_instance \"quoted \\\" name\" { state MASTER }\n"
        "a\fb\vc\n\"unterminated\n")


def main():
    ipvs_seeds()
    rtnl_seeds()
    http_seeds()
    care_seeds()
    config_seeds()
    for target in sorted(os.listdir(CORPUS)):
        print(target, len(os.listdir(os.path.join(CORPUS, target))))


if __name__ == "__main__":
    main()
