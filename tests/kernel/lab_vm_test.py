#!/usr/bin/python3
"""`director lab` with IPVS (VM, label vm): the README's first command on a kernel that has IPVS.

Run: tests/kernel/run-in-vm.sh --env DIRECTOR_BIN=$PWD/build/bin/director -- tests/kernel/lab_vm_test.py

`lab up --backends 3` builds the DR pair; HTTPS requests from the lab's client through the VIP (verified
against the lab CA) are spread over all three backends (mh by source port); the master's IPVS table (ipvsadm)
holds the three real servers; `lab drill --rounds 3 --json` reports, per round, zero failed probes and a
gap within the peer's Skew_Time + 0.2 s, in JSON that parses and holds every field; `lab down` removes it all.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from netns import wait_until  # noqa: E402

DIRECTOR = os.environ.get("DIRECTOR_BIN") or os.path.join(os.getcwd(), "build", "bin", "director")
ROOT = tempfile.mkdtemp(prefix="lab-vm-")
NAME = "vm"
VIP = "198.18.10.100"
ROUND_FIELDS = {"round", "peer", "peer_first_master_advert_ms", "skew_time_ms", "probes", "failed_probes", "gap_ms",
                "gap_within_bound", "back_ms", "long_lived_survived"}


def lab(*args, check=True, timeout=300):
    r = subprocess.run([DIRECTOR, "lab", *args, "--name", NAME, "--dir", ROOT], capture_output=True, text=True,
                       timeout=timeout)
    print(f"$ director lab {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}", flush=True)
    if check and r.returncode != 0:
        raise SystemExit(f"director lab {' '.join(args)} failed")
    return r


def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)
    print("ok:", what, flush=True)


def main():
    try:
        r = lab("up", "--backends", "3")
        check("no IPVS" not in r.stdout, "the lab found IPVS")
        doc = json.loads(lab("status", "--json").stdout)
        check(doc["ipvs"], "status says ipvs")
        master = next(n for n in doc["nodes"] if n.get("state") == "MASTER")
        table = subprocess.run(["ip", "netns", "exec", master["namespace"], "ipvsadm", "-Ln"], capture_output=True,
                               text=True, check=True).stdout
        print(table)
        check(all(f"198.18.10.{i}:6443" in table for i in (21, 22, 23)) and "Route" in table and " mh" in table,
              "the master's IPVS table has the three backends in DR mode")

        ca = doc["ca"]
        served = collections.Counter()
        for _ in range(30):
            out = subprocess.run(["ip", "netns", "exec", f"dlab-{NAME}-client", "curl", "--silent", "--show-error",
                                  "--max-time", "5", "--cacert", ca, f"https://{VIP}:6443/"],
                                 capture_output=True, text=True)
            check(out.returncode == 0, f"request through the VIP answered ({out.stderr.strip()})") if out.returncode else None
            served[out.stdout.strip()] += 1
        print(dict(served))
        check(sorted(served) == [f"served by backend-{i}" for i in (1, 2, 3)] and sum(served.values()) == 30,
              "30 verified requests through the VIP, spread over all three backends (mh by source port)")

        r = lab("drill", "--rounds", "3", "--json", timeout=600)
        drill = json.loads(r.stdout[r.stdout.index("{"):])
        check(len(drill["rounds"]) == 3, "three rounds reported")
        for rd in drill["rounds"]:
            print(f"round {rd['round']}: peer advert {rd['peer_first_master_advert_ms']} ms, skew {rd['skew_time_ms']} ms, "
                  f"gap {rd['gap_ms']} ms, {rd['failed_probes']}/{rd['probes']} failed, back {rd['back_ms']} ms, "
                  f"long-lived survived: {rd['long_lived_survived']}", flush=True)
            check(ROUND_FIELDS <= set(rd), f"round {rd['round']} holds every field")
            check(rd["failed_probes"] == 0, f"round {rd['round']}: no failed probe {rd['failures']}")
            check(rd["long_lived_survived"] is True, f"round {rd['round']}: the long-lived connection survived both moves")
            check(rd["gap_ms"] <= rd["skew_time_ms"] + 200 and rd["gap_within_bound"],
                  f"round {rd['round']}: gap within Skew_Time + 0.2 s")
        wait_until(lambda: any(n.get("state") == "MASTER" for n in json.loads(lab("status", "--json").stdout)["nodes"]),
                   10, "a master after the drill")
    finally:
        lab("down", check=False)
    check(not [n for n in os.listdir("/run/netns") if n.startswith(f"dlab-{NAME}-")] if os.path.isdir("/run/netns")
          else True, "no lab namespace left")
    print("lab_vm_test: all passed")


if __name__ == "__main__":
    main()
