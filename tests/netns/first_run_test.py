#!/usr/bin/python3
"""A new user's first run (root): install.sh into a scratch prefix with the binary under test, then the
systemd unit, the installed example configs and the README quickstart. Nothing installed may take a VIP
unedited, and a start without /etc/director/director.conf must say what to do. The one daemon this suite
runs does so inside a namespace of its own."""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from vrrp_harness import SLACK, Topology, director_binary, make_workdir, master_down, remove_workdir  # noqa: E402

EXAMPLES = ("keepalived-master.conf", "keepalived-backup.conf")
EXAMPLE_VIP = "10.120.100.100"


class FirstRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.wd = make_workdir("/tmp/frun-")
        cls.prefix = os.path.join(cls.wd, "prefix")
        cls.etc = os.path.join(cls.wd, "etc")
        cls.unitdir = os.path.join(cls.wd, "unit")
        cls.install()

    @classmethod
    def tearDownClass(cls):
        remove_workdir(cls.wd)

    @classmethod
    def install(cls):
        r = subprocess.run([os.path.join(REPO, "install.sh"), "--no-deps", "--binary", director_binary(),
                            "--prefix", cls.prefix, "--confdir", cls.etc, "--unitdir", cls.unitdir],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"install.sh failed ({r.returncode}): {r.stdout}{r.stderr}")
        return r

    def unit(self):
        with open(os.path.join(self.unitdir, "director.service")) as f:
            return f.read()

    def exec_start_pre(self):
        """Runs the unit's ExecStartPre commands in order as systemd would; the first failure ends it."""
        for line in self.unit().splitlines():
            if line.startswith("ExecStartPre="):
                r = subprocess.run(shlex.split(line.split("=", 1)[1]), capture_output=True, text=True, timeout=30)
                if r.returncode != 0:
                    return r
        return None

    def test_unit_passes_systemd_analyze_verify(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze missing (Debian: apt-get install systemd)")
        r = subprocess.run(["systemd-analyze", "verify", os.path.join(self.unitdir, "director.service")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "", "systemd-analyze verify has warnings")

    def test_start_without_director_conf_says_what_to_do(self):
        self.assertFalse(os.path.exists(os.path.join(self.etc, "director.conf")), "install.sh created director.conf")
        failed = self.exec_start_pre()
        self.assertIsNotNone(failed, "ExecStartPre passed without a config")
        self.assertIn(f"no {self.etc}/director.conf: copy {self.etc}/keepalived-master.conf", failed.stderr)
        self.assertIn("edit interface and addresses", failed.stderr)

    def test_start_passes_once_director_conf_is_an_edited_example(self):
        conf = os.path.join(self.etc, "director.conf")
        with open(os.path.join(self.etc, "keepalived-master.conf")) as f:
            text = f.read().replace("CHANGE-ME", "eth0")
        with open(conf, "w") as f:
            f.write(text)
        try:
            failed = self.exec_start_pre()
            self.assertIsNone(failed, failed and failed.stderr)
        finally:
            os.unlink(conf)

    def test_installed_examples_take_no_vip_unedited(self):
        for name in EXAMPLES:
            with open(os.path.join(self.etc, name)) as f:
                interfaces = re.findall(r"^\s*interface\s+(\S+)", f.read(), re.M)
            self.assertEqual(interfaces, ["CHANGE-ME"], f"{name} names a real interface")
        # Run unedited on a host whose eth0 is up: `director run` refuses the missing interface, and no
        # address appears meanwhile.
        with Topology("frun") as topo:
            h = topo.host("n", "198.18.0.1/24")
            run = os.path.join(self.wd, "run")
            sock = os.path.join(run, "ctl.sock")
            with open(os.path.join(self.wd, "daemon.log"), "wb") as log:
                p = h.popen([os.path.join(self.prefix, "sbin", "director"), "run", "-f",
                             os.path.join(self.etc, "keepalived-master.conf"), "--pid-file",
                             os.path.join(run, "pid"), "--control-socket", sock], stdout=log,
                            stderr=subprocess.STDOUT)
            try:
                end = time.monotonic() + master_down(110) + SLACK + 1
                while time.monotonic() < end:
                    self.assertFalse(h.has_address(EXAMPLE_VIP), "the unedited example took its VIP")
                    time.sleep(0.1)
                self.assertEqual(p.poll(), 1, "director run started on an interface that does not exist")
                with open(os.path.join(self.wd, "daemon.log")) as f:
                    self.assertIn("interface CHANGE-ME does not exist on this host", f.read())
            finally:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    p.wait(timeout=10)

    def test_install_again_keeps_edited_configs(self):
        path = os.path.join(self.etc, "keepalived-backup.conf")
        with open(path, "a") as f:
            f.write("! edited by the operator\n")
        out = self.install().stdout
        self.assertIn(f"kept existing {path}", out)
        with open(path) as f:
            self.assertTrue(f.read().endswith("! edited by the operator\n"))

    def test_readme_quickstart_starts_with_the_lab_and_real_nodes_edit_and_check_before_they_run(self):
        with open(os.path.join(REPO, "README.md")) as f:
            readme = f.read()
        quick = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
        first = next(line for line in quick.splitlines() if line.startswith("sudo "))
        self.assertEqual(first, "sudo ./install.sh && sudo director lab up")
        nodes = readme.split("## Running it on real nodes", 1)[1].split("\n## ", 1)[0]
        for text in (quick, nodes):
            self.assertNotRegex(text, r"director run -f \S*keepalived-(master|backup)\.conf",
                                "the README runs an example config unedited")
        edit = nodes.find("interface")
        check = nodes.find("director check")
        start = min(i for i in (nodes.find("director run"), nodes.find("systemctl enable")) if i >= 0)
        self.assertTrue(0 <= edit < check < start, "real nodes: edit, director check, then run")

if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (install -o root, network namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
