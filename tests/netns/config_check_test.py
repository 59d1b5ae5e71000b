#!/usr/bin/python3
"""`director check` and `director run` on broken and odd files, end to end with the real binary: exit
codes and file:line messages. `director run` is started inside a namespace this suite creates (root);
every case is refused before anything is configured."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrrp_harness import Topology, director_binary, make_workdir, remove_workdir  # noqa: E402

INSTANCE = """vrrp_instance VI_1 {{
    interface {iface}
    virtual_router_id 51
    priority 100
    virtual_ipaddress {{
        198.18.0.100/24
    }}
}}
"""


class ConfigCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.topo = Topology("ccheck", bridge=False).__enter__()
        cls.h = cls.topo.host("h")

    @classmethod
    def tearDownClass(cls):
        cls.topo.__exit__(None, None, None)

    def setUp(self):
        self.wd = make_workdir("/tmp/ccheck-")

    def tearDown(self):
        remove_workdir(self.wd)

    def write(self, name, data):
        path = os.path.join(self.wd, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def check(self, path):
        return subprocess.run([director_binary(), "check", "-f", path], capture_output=True, text=True,
                              errors="replace", timeout=20)

    def run_director(self, path):
        return self.h.run([director_binary(), "run", "-f", path, "--pid-file", os.path.join(self.wd, "pid"),
                           "--control-socket", os.path.join(self.wd, "ctl.sock")], check=False, timeout=20)

    def test_form_feed_and_vertical_tab_get_an_answer(self):
        r = self.check(self.write("ff.conf", b"x\f\n\vy\n"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("ff.conf:1: unknown top-level keyword 'x'", r.stderr)

    def test_empty_file_and_directory_are_errors_for_check_and_run(self):
        empty = self.write("empty.conf", "")
        os.mkdir(os.path.join(self.wd, "conf.d"))
        for path, msg in ((empty, "nothing to do: no vrrp_instance and no virtual_server"),
                          (os.path.join(self.wd, "conf.d"), "is a directory, not a config file")):
            r = self.check(path)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(f"{path}: {msg}", r.stderr)
            r = self.run_director(path)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(msg, r.stderr)

    def test_missing_interface_warns_in_check_and_stops_run(self):
        path = self.write("iface.conf", INSTANCE.format(iface="eth9"))
        r = self.check(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{path}:2: vrrp_instance VI_1: interface eth9 does not exist on this host: warning", r.stderr)
        r = self.run_director(path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{path}:2: vrrp_instance VI_1: interface eth9 does not exist on this host", r.stderr)

    def test_missing_track_script_is_an_error_with_its_line(self):
        conf = 'vrrp_script chk {\n    script "/nonexistent/check_apiserver.sh"\n}\n' + INSTANCE.format(iface="lo")
        path = self.write("script.conf", conf)
        r = self.check(path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{path}:1: vrrp_script chk: /nonexistent/check_apiserver.sh does not exist", r.stderr)

    def test_virtual_server_without_protocol_warns_like_keepalived(self):
        path = self.write("vs.conf", "virtual_server 198.18.0.100 6443 {\n    real_server 198.18.0.1 6443 {\n"
                                     "    }\n}\n")
        r = self.check(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{path}:1: virtual_server: no protocol set - defaulting to UDP", r.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
