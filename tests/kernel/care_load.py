#!/usr/bin/python3
"""Client load through a virtual server: GETs URL back to back for SECONDS (or COUNT requests when
SECONDS starts with '#'), each on a new connection, and prints one JSON line: ok, failed, first errors,
and how many answers each backend name gave. Usage: care_load.py URL SECONDS|#COUNT"""
import json
import sys
import time
import urllib.request

url, limit = sys.argv[1], sys.argv[2]
count = int(limit[1:]) if limit.startswith("#") else None
deadline = time.monotonic() + (float(limit) if count is None else 3600)
ok, failed, errors, names = 0, 0, [], {}
while time.monotonic() < deadline and (count is None or ok + failed < count):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            name = r.read().decode().strip()
            names[name] = names.get(name, 0) + 1
            ok += 1
    except Exception as e:  # every failure counts; the first few are reported
        failed += 1
        if len(errors) < 5:
            errors.append(repr(e))
    if count is None:
        time.sleep(0.02)
print(json.dumps({"ok": ok, "failed": failed, "errors": errors, "names": names}))
