"""What the health-check benchmarks share: nginx serving HTTPS on many loopback ports (one worker, a
test-CA certificate with IP SAN 127.0.0.1, /healthz answering 200), its request count, a process's CPU, stopping a daemon."""
import os
import signal
import socket
import subprocess
import time

CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of one process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def log_lines(path):
    """Requests nginx logged so far (one line each)."""
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def stop(proc):
    """SIGTERM to a daemon started with start_new_session=True, then SIGKILL if it lingers past 60 s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def start(work, n, base_port, pki, timeout=60):
    """nginx on 127.0.0.1:base_port .. base_port+n-1 in work/nginx; returns (process, access log path)."""
    d = os.path.join(work, "nginx")
    os.makedirs(d)
    listens = "".join(f"    listen 127.0.0.1:{base_port + i} ssl;\n" for i in range(n))
    # Every listening socket takes one of the worker's connections and one descriptor, and so does every
    # check's connection (an SSL_GET kept alive holds one per server between checks).
    conf = f"""user root root;
worker_processes 1;
worker_rlimit_nofile {2 * n + 4096};
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections {2 * n + 2048}; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/cb; proxy_temp_path {d}/px; fastcgi_temp_path {d}/fc;
  uwsgi_temp_path {d}/uw; scgi_temp_path {d}/sc;
  ssl_session_cache shared:hc:20m;
  server {{
{listens}    ssl_certificate {pki}/server.crt;
    ssl_certificate_key {pki}/server.key;
    location = /healthz {{ return 200 "ok\\n"; }}
  }}
}}
"""
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(conf)
    p = subprocess.Popen(["nginx", "-p", d, "-c", f"{d}/nginx.conf", "-e", f"{d}/error.log", "-g", "daemon off;"],
                         start_new_session=True)
    end = time.time() + timeout
    while not (_port_open(base_port) and _port_open(base_port + n - 1)):
        if time.time() > end or p.poll() is not None:
            raise RuntimeError(f"nginx did not listen on every port, see {d}/error.log")
        time.sleep(0.1)
    return p, os.path.join(d, "access.log")
