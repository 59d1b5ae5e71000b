#!/usr/bin/python3
"""Real servers that fail the way real ones do, for the health-check drill. Run inside the real-server
namespace: misbehaving_servers.py PKI_DIR HITS_FILE. Each listens on its own address of 198.18.0.0/24:
  .11:443 a good HTTPS /healthz (certificate from the test CA with the IP SAN); appends each hit's time to HITS_FILE
  .12:80  accepts TCP and never answers            .13:443 accepts TCP and stalls the TLS handshake
  .14:80  200 OK with an endless body              .15:80  200 OK with a 10 MB header
  .16:443 HTTPS with an expired certificate       .17:443 HTTPS whose certificate lacks the IP SAN
  .18:80  a good HTTP /healthz that is up 2 s, refusing 2 s, and so on"""
import os
import socket
import ssl
import sys
import threading
import time

pki, hits = sys.argv[1], sys.argv[2]
OK = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
held = []  # connections kept open on purpose


def listener(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    return s


def serve(addr, port, handle, tls_cert=None):
    s = listener(addr, port)
    ctx = None
    if tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(pki, tls_cert + ".crt"), os.path.join(pki, tls_cert + ".key"))

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=one, args=(c,), daemon=True).start()

    def one(c):
        try:
            if ctx:
                c = ctx.wrap_socket(c, server_side=True)
            handle(c)
        except (OSError, ssl.SSLError):
            pass
    threading.Thread(target=loop, daemon=True).start()


def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def good(c):
    read_request(c)
    with open(hits, "a") as f:
        f.write(f"{time.time()}\n")
    c.sendall(OK)
    c.close()


def silent(c):
    held.append(c)  # never a byte back


def endless_body(c):
    read_request(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    block = b"x" * 65536
    while True:
        c.sendall(block)


def huge_header(c):
    read_request(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (10 * 1024 * 1024) + b"\r\nContent-Length: 2\r\n\r\nok")
    c.close()


def flapping():
    while True:
        s = listener("198.18.0.18", 80)
        deadline = time.monotonic() + 2
        s.settimeout(0.1)
        while time.monotonic() < deadline:
            try:
                c, _ = s.accept()
            except socket.timeout:
                continue
            try:
                read_request(c)
                c.sendall(OK)
            except OSError:
                pass
            c.close()
        s.close()
        time.sleep(2)


serve("198.18.0.11", 443, good, "server")
serve("198.18.0.12", 80, silent)
serve("198.18.0.13", 443, silent)  # plain TCP: the client's ClientHello is never answered
serve("198.18.0.14", 80, endless_body)
serve("198.18.0.15", 80, huge_header)
serve("198.18.0.16", 443, good, "expired-server")
serve("198.18.0.17", 443, good, "wrongip-server")
threading.Thread(target=flapping, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
