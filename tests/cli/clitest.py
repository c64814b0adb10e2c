"""What the drivers of suite 'cli' share: failures and checks, the TAP runner, and finding the
processes of a job by a tag in their environment (every process of a job inherits it)."""
import os
import signal
import time


class Failure(Exception):
    pass


class Skip(Exception):
    """Raised by a case that cannot run here (TAP "# SKIP" with the reason)."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def tagged(tag):
    """PIDs of the processes whose environment holds the entry `tag` ("NAME=value")."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if tag.encode() in env:
            found.append(int(pid))
    return found


def kill_pids(pids):
    """SIGKILL each PID (what a failed case left: never by name)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def run_cases(cases, name_filter=None):
    """Run functions as TAP cases in order; a case fails by raising. Returns the exit status."""
    selected = [c for c in cases if not name_filter or name_filter in c.__name__]
    print(f"1..{len(selected)}", flush=True)
    failed = 0
    for n, c in enumerate(selected, 1):
        t0 = time.monotonic()
        try:
            c()
            print(f"ok {n} - {c.__name__} ({time.monotonic() - t0:.2f} s)", flush=True)
        except Skip as e:
            print(f"ok {n} - {c.__name__} # SKIP {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - a failed check, a timeout: the case fails
            failed += 1
            print(f"not ok {n} - {c.__name__}", flush=True)
            for line in str(e).splitlines():
                print(f"# {line}", flush=True)
    return 1 if failed else 0
