#!/usr/bin/python3
"""Planned and unplanned moves of the VIP with real IPVS (DR, lvs_sync_daemon following VI_1): per round,
`director switchover` from d1 to d2, then kill -9 of d2 so d1 takes over, then d2 restarted. Reported:
- switchover: the old master's priority-0 advert -> the peer's first master advert (the old master's own
  measure, `hand-over took`); the priority-0 advert -> the client's first packet for VIP:80 addressed to
  the new master's MAC (tcpdump on the client); and the whole command, process start to exit;
- kill -9: signal -> d1 MASTER (status polled);
- the longest stall of a long-lived connection (a line every 100 ms, echo awaited) across each move.

Runs inside the test VM (it needs IPVS):
  sudo tests/kernel/run-in-vm.sh --timeout 1500 --env DIRECTOR_BIN=$PWD/build/bin/director \\
      --env ROUNDS=5 -- bench/switchover/switchover_bench.py
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "kernel"))
from switchover_cases import (LOOP_CLIENT, VIP, Director, Lab, director_conf, master_down, skew,  # noqa: E402
                              vrrp_state)
from vm_lab import DIRECTOR, WORK, Topology, ipvsadm, wait_until  # noqa: E402


class Wire:
    """tcpdump on the client: VRRP adverts and the client's packets to VIP:80, with link-layer addresses and
    wall-clock capture times, to time a move from the outside without polling anything."""

    def __init__(self, host, path):
        self.path = path
        self.out = open(path, "w")
        self.proc = host.popen(["tcpdump", "-i", "eth0", "-n", "-e", "-tt", "-l",
                                f"vrrp or (tcp and dst host {VIP} and dst port 80)"], stdout=self.out,
                               stderr=subprocess.DEVNULL)
        time.sleep(1)

    def first_after(self, t0, needle, deadline=10):
        """Capture time of the first line after wall time t0 containing every string in `needle`."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with open(self.path, errors="replace") as f:
                for line in f:
                    try:
                        ts = float(line.split()[0])
                    except (ValueError, IndexError):
                        continue
                    if ts >= t0 and all(n in line for n in needle):
                        return ts
            time.sleep(0.1)
        raise TimeoutError(f"no {needle} on the wire")


def mac(host):
    return host.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()


def summary(name, values, unit="ms", bound=None):
    values = sorted(values)
    med = statistics.median(values)
    row = f"| {name} | {len(values)} | {values[0]:.0f} | {med:.0f} | {values[-1]:.0f} |"
    return row + (f" {bound:.0f} |" if bound is not None else " - |")


def main():
    rounds = int(os.environ.get("ROUNDS", "5"))
    took, vip_answer, command, kill_master, stall_so, stall_kill = [], [], [], [], [], []
    with Topology("sb") as t:
        lab = Lab(t)
        lab.start_pair(sync=True)
        wire = Wire(lab.client, os.path.join(WORK, "bench-wire.txt"))
        d2_mac = mac(lab.d2)
        loop_stop = os.path.join(WORK, "bench-loop-stop")
        loop = lab.client.popen(["python3", "-c", LOOP_CLIENT, VIP, loop_stop], stdout=subprocess.PIPE, text=True)
        try:
            for i in range(rounds):
                stop = os.path.join(WORK, f"bench-so-{i}")
                p, hello = lab.line_client(stop)
                wait_until(lambda: f"198.18.0.20:{hello['port']} " in ipvsadm("-Lnc", ns=lab.d2.ns), 20, "synced")
                t0, wall0 = time.monotonic(), time.time()
                so = subprocess.Popen([DIRECTOR, "switchover", "--control-socket",
                                       lab.a.args[lab.a.args.index("--control-socket") + 1]],
                                      stdout=subprocess.PIPE, text=True)
                out, _ = so.communicate(timeout=30)
                command.append((time.monotonic() - t0) * 1000)
                # The old master's priority-0 advert starts the hand-over; the client's first packet for the
                # VIP addressed to d2's MAC is the VIP answering through the new master.
                zero = wire.first_after(wall0, ("198.18.0.1 > 224.0.0.18", "prio 0"))
                via_d2 = wire.first_after(zero, (f"> {d2_mac}", f"> {VIP}.80:"))
                vip_answer.append((via_d2 - zero) * 1000)
                assert so.returncode == 0, out
                took.append(int(out.split("hand-over took ")[1].split(" ms")[0]))
                time.sleep(1)
                res = lab.finish(p, stop)
                assert res["error"] is None, res
                stall_so.append(res["stall"] * 1000)

                stop = os.path.join(WORK, f"bench-kill-{i}")
                p, hello = lab.line_client(stop)
                wait_until(lambda: f"198.18.0.20:{hello['port']} " in ipvsadm("-Lnc", ns=lab.d1.ns), 20, "synced")
                time.sleep(0.5)
                t0 = time.monotonic()
                lab.b.stop(signal.SIGKILL)
                wait_until(lambda: vrrp_state(lab.a) == "MASTER", master_down(150) + 5, "d1 master", interval=0.005)
                kill_master.append((time.monotonic() - t0) * 1000)
                time.sleep(1)
                res = lab.finish(p, stop)
                assert res["error"] is None, res
                stall_kill.append(res["stall"] * 1000)
                # d2 comes back (it removes the VIP a kill -9 left and adopts its rules) as backup.
                lab.b = Director(lab.d2, director_conf(100, True), name=f"d2-bench-{i}").start()
                wait_until(lambda: vrrp_state(lab.b) == "BACKUP", 20, "d2 back")
                print(f"round {i + 1}: switchover took {took[-1]} ms, VIP via d2 after {vip_answer[-1]:.0f} ms, "
                      f"stall {stall_so[-1]:.0f} ms; kill -9 -> d1 master {kill_master[-1]:.0f} ms, "
                      f"stall {stall_kill[-1]:.0f} ms", flush=True)
        finally:
            open(loop_stop, "w").close()
            short = json.loads(loop.communicate(timeout=60)[0].strip().splitlines()[-1])
            lab.stop_pair()
    print(f"short requests during all rounds: ok={short['ok']} failed={short['failed']}")
    print("| measure | rounds | min (ms) | median (ms) | worst (ms) | bound (ms) |")
    print("|---|---|---|---|---|---|")
    print(summary("switchover: priority-0 advert -> peer's first master advert (as the old master saw it)", took, bound=(skew(100) + 0.1) * 1000))
    print(summary("switchover: priority-0 advert -> client's first packet to the VIP sent to the new master", vip_answer))
    print(summary("switchover: whole command", command))
    print(summary("switchover: longest stall of the long-lived connection", stall_so, bound=(skew(100) + 0.1) * 1000))
    print(summary("kill -9: signal -> backup is MASTER", kill_master, bound=(master_down(150)) * 1000))
    print(summary("kill -9: longest stall of the long-lived connection", stall_kill,
                  bound=(master_down(150) + 0.2) * 1000))


if __name__ == "__main__":
    main()
