#!/usr/bin/env python3
"""Print one closing line for the test runs of the given meson build directories:
'N passed, N failed, N skipped', counting CMocka cases where a test program is a CMocka
suite (its own [  PASSED  ] / [  FAILED  ] / [  SKIPPED ] lines), TAP cases where it speaks TAP,
and whole tests otherwise."""
import glob
import json
import os
import re
import sys

passed = failed = skipped = 0
suites = []
for builddir in sys.argv[1:]:
    # testlog.json; a directory only ever tested through a test setup (build-valgrind:
    # `meson test --setup valgrind`) has testlog-<setup>.json instead.
    logs = [f"{builddir}/meson-logs/testlog.json"]
    if not os.path.exists(logs[0]):
        logs = sorted(glob.glob(f"{builddir}/meson-logs/testlog-*.json"))
    lines = []
    for log in logs:
        try:
            lines += open(log, encoding="utf-8").read().splitlines()
        except OSError:
            pass
    if not lines:
        print(f"{builddir}: no test log", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        err = t.get("stderr") or ""
        text = out + "\n" + err
        p = sum(int(n) for n in re.findall(r"\[  PASSED  \] (\d+) test", text))
        f = sum(int(n) for n in re.findall(r"\[  FAILED  \] (\d+) test", text))
        s = sum(int(n) for n in re.findall(r"\[  SKIPPED \] (\d+) test", text))
        if not (p or f or s):
            # A TAP program (tests/cli): its own "ok" / "not ok" lines.
            p = len(re.findall(r"^ok \d+(?! .*# SKIP)", out, re.M))
            f = len(re.findall(r"^not ok \d+", out, re.M))
            s = len(re.findall(r"^ok \d+ .*# SKIP", out, re.M))
        result = t.get("result")
        if p or f or s:
            # A crash after some cases passed is still a failure of the program.
            if result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
                f = 1
        elif result in ("OK", "EXPECTEDFAIL"):
            p = 1
        elif result == "SKIP":
            s = 1
        else:
            f = 1
        passed, failed, skipped = passed + p, failed + f, skipped + s
        suites.append((builddir, t.get("name"), result, p, f, s))

width = max([len(f"{b}:{n}") for b, n, *_ in suites] + [10])
for b, n, r, p, f, s in suites:
    print(f"  {b + ':' + n:<{width}}  {r:<8} {p:4} passed {f:3} failed {s:3} skipped")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
