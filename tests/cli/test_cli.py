#!/usr/bin/env python3
"""The test suite of the `cimjob` command (as cli.md of the contract specifies it), speaking TAP.

    test_cli.py PATH/TO/cimjob [NAME-FILTER]

Each case runs `cimjob` as a user would and checks its exit status, its output and, through a
tag in the environment that every process of a job inherits, that no process of the job is
left once `cimjob` has returned, whichever way it ended (the command's own exit, a leftover
daemon, --terminate-after, --kill-after, SIGTERM / SIGINT / SIGHUP to cimjob, a second signal,
even SIGKILL to cimjob).
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Failure, check, kill_pids, run_cases, tagged  # noqa: E402

CIMJOB = None
CASES = []
DATETIME = re.compile(r"^\d{14}\.\d{6}[+-]\d{3}$")
INTERVAL = re.compile(r"^\d{14}\.\d{6}:000$")
# A job that forks a tree: a plain child, a daemon that leaves with setsid, a child that
# ignores SIGTERM, and a main shell that ignores SIGTERM once the children are started.
TREE = ("sleep 30 & setsid -f sleep 31 </dev/null >/dev/null 2>&1; "
        "sh -c 'trap \"\" TERM; exec sleep 32' & trap '' TERM; wait")


def case(fn):
    CASES.append(fn)
    return fn


def new_tag():
    return "CIMJOB_CLI_TEST_TAG=" + uuid.uuid4().hex


def assert_nothing_left(tag, grace=0.0):
    """No process of the job may be left; `grace` allows an asynchronous teardown (SIGKILL of
    cimjob itself) to finish."""
    deadline = time.monotonic() + grace
    while True:
        left = tagged(tag)
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if left:
        cmds = []
        for pid in left:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmds.append(f"{pid}: " + f.read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
        kill_pids(left)  # do not leave them to the next case
        raise Failure("processes left behind: " + "; ".join(cmds))


def run(args, tag=None, timeout=30, stdin=subprocess.DEVNULL):
    """Run cimjob to the end; return (status, stdout, stderr)."""
    env = dict(os.environ)
    if tag:
        k, v = tag.split("=", 1)
        env[k] = v
    p = subprocess.run([CIMJOB] + args, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def events(stderr):
    """Parse --events json output: every line must be one JSON object."""
    out = []
    for line in stderr.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise Failure(f"not a JSON line: {line!r} ({e})")
    return out


def states(evs):
    return [e["JobStateName"] for e in evs]


def start(args, tag):
    """Start cimjob with --events json and return (process, events so far) once the job is
    Running."""
    env = dict(os.environ)
    k, v = tag.split("=", 1)
    env[k] = v
    p = subprocess.Popen([CIMJOB, "run", "--events", "json"] + args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        seen.append(json.loads(line))
        if seen[-1]["JobStateName"] == "Running":
            time.sleep(0.3)  # let the tree grow
            return p, seen
    p.kill()
    raise Failure(f"the job never reached Running: {seen}")


def finish(p, seen, timeout=20):
    _, rest = p.communicate(timeout=timeout)
    return p.returncode, seen + events(rest.decode())


# ---- help, version, usage ---------------------------------------------------------------------

@case
def help_texts():
    st, out, _ = run(["--help"])
    check(st == 0 and "cimjob run" in out and "demo" in out, f"cimjob --help: {st} {out!r}")
    st, out, _ = run(["run", "--help"])
    check(st == 0, f"cimjob run --help exits {st}")
    for opt in ["--name", "--terminate-after", "--kill-after", "--grace", "--events", "--quiet",
                "--backend", "124", "125", "126", "127", "128+N", "SIGINT"]:
        check(opt in out, f"cimjob run --help does not mention {opt}")
    st, out, _ = run(["version"])
    check(st == 0 and re.search(r"\d+\.\d+\.\d+", out), f"cimjob version: {st} {out!r}")


@case
def bad_options():
    bad = [
        (["run", "--bogus", "true"], "--bogus"),
        (["run", "--grace", "soon", "true"], "--grace"),
        (["run", "--terminate-after", "-1", "true"], "--terminate-after"),
        (["run", "--kill-after", "00000000000005.000000:999", "true"], "--kill-after"),
        (["run", "--events", "xml", "true"], "--events"),
        (["run", "--backend", "nope", "true"], "nope"),
        (["run", "--name"], "--name"),
        (["run", "--name", "", "true"], "--name"),
        (["run"], "COMMAND"),
        (["run", "--quiet", "--"], "COMMAND"),
        ([], "command"),
        (["frobnicate"], "frobnicate"),
    ]
    for args, word in bad:
        st, out, err = run(args)
        first = err.splitlines()[0] if err else ""
        check(st == 125, f"{args}: exit {st}, not 125")
        check(word in first, f"{args}: first line {first!r} does not name {word}")
        check("Usage:" in err, f"{args}: no usage on stderr: {err!r}")


# ---- exit statuses ----------------------------------------------------------------------------

@case
def status_own():
    for code in [0, 1, 3, 42, 255]:
        st, _, _ = run(["run", "--quiet", "--", "sh", "-c", f"exit {code}"])
        check(st == code, f"exit {code}: cimjob returned {st}")


@case
def status_not_found():
    st, _, err = run(["run", "--", "no-such-command-cimjob-test"])
    check(st == 127, f"not found: {st}")
    check("command not found" in err, f"not found: stderr {err!r}")


@case
def json_start_failure():
    st, _, err = run(["run", "--events", "json", "--", "no-such-command-cimjob-test"])
    evs = events(err)
    check(st == 127, f"exit {st}")
    check(states(evs) == ["New", "Starting", "Exception"], f"states {states(evs)}")
    check(evs[-1]["ErrorCode"] == 127 and evs[-1]["ErrorDescription"], "ErrorCode/Description")


@case
def status_not_executable():
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "script")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(script, 0o644)
        st, _, _ = run(["run", "--quiet", "--", script])
        check(st == 126, f"not executable: {st}")
        st, _, _ = run(["run", "--quiet", "--", d])
        check(st == 126, f"a directory: {st}")


@case
def status_signal():
    st, _, _ = run(["run", "--quiet", "--", "sh", "-c", "kill -USR1 $$"])
    check(st == 128 + signal.SIGUSR1, f"death by SIGUSR1: {st}")
    st, _, _ = run(["run", "--quiet", "--", "sh", "-c", "kill -KILL $$"])
    check(st == 137, f"death by SIGKILL: {st}")


@case
def status_timeouts():
    tag = new_tag()
    t0 = time.monotonic()
    st, _, err = run(["run", "--terminate-after", "0.3", "--", "sleep", "30"], tag)
    check(st == 124, f"--terminate-after: {st} {err}")
    check(time.monotonic() - t0 < 5, "--terminate-after took too long")
    st, _, err = run(["run", "--kill-after", "0.3", "--", "sleep", "30"], tag)
    check(st == 124, f"--kill-after: {st} {err}")
    st, _, err = run(["run", "--terminate-after", "5", "--", "true"], tag)
    check(st == 0, f"--terminate-after not reached: {st} {err}")
    assert_nothing_left(tag)


# ---- options ----------------------------------------------------------------------------------

@case
def json_completed_sequence():
    st, _, err = run(["run", "--events", "json", "--", "sh", "-c", "exit 0"])
    evs = events(err)
    check(st == 0, f"exit {st}")
    check(states(evs) == ["New", "Starting", "Running", "Completed"], f"states {states(evs)}")
    check([e["JobState"] for e in evs] == [2, 3, 4, 7], "JobState numbers")
    for e in evs:
        for key in ["InstanceID", "Name", "JobState", "JobStateName", "TimeOfLastStateChange",
                    "ElapsedTime", "ErrorCode", "ErrorDescription", "JobStatus",
                    "PercentComplete", "TimeSubmitted", "StartTime", "TimeBeforeRemoval",
                    "DeleteOnCompletion", "Owner", "Priority", "OperationalStatus"]:
            check(key in e, f"{e['JobStateName']}: no {key}")
        check(":" in e["InstanceID"], f"InstanceID {e['InstanceID']}")
        check(INTERVAL.match(e["ElapsedTime"]), f"ElapsedTime {e['ElapsedTime']}")
        check(DATETIME.match(e["TimeSubmitted"]), f"TimeSubmitted {e['TimeSubmitted']}")
    check(evs[0]["TimeOfLastStateChange"] == "00000000000000.000000:000", "New: TOLSC not zero")
    for e in evs[1:]:
        check(DATETIME.match(e["TimeOfLastStateChange"]), f"TOLSC {e['TimeOfLastStateChange']}")
    check(evs[-1]["ErrorCode"] == 0 and evs[-1]["DeleteOnCompletion"] is False, "final props")


@case
def json_exception_sequence():
    st, _, err = run(["run", "--events", "json", "--", "sh", "-c", "exit 3"])
    evs = events(err)
    check(st == 3, f"exit {st}")
    check(states(evs) == ["New", "Starting", "Running", "Exception"], f"states {states(evs)}")
    check(evs[-1]["ErrorCode"] == 3, f"ErrorCode {evs[-1]['ErrorCode']}")


@case
def json_terminate_sequence():
    tag = new_tag()
    st, _, err = run(["run", "--events=json", "--terminate-after=0.3", "--", "sleep", "30"], tag)
    evs = events(err)
    check(st == 124, f"exit {st}")
    check(states(evs) == ["New", "Starting", "Running", "Shutting Down", "Terminated"],
          f"states {states(evs)}")
    check([e["JobState"] for e in evs] == [2, 3, 4, 6, 8], "JobState numbers")
    check(evs[-1]["ErrorCode"] == 143, f"ErrorCode {evs[-1]['ErrorCode']}")
    assert_nothing_left(tag)


@case
def grace_escalation():
    tag = new_tag()
    t0 = time.monotonic()
    st, _, err = run(["run", "--events", "json", "--terminate-after", "0.2", "--grace", "0.6",
                      "--", "sh", "-c", "trap '' TERM; sleep 30 & wait"], tag)
    took = time.monotonic() - t0
    evs = events(err)
    check(st == 124, f"exit {st}")
    check(states(evs)[-2:] == ["Shutting Down", "Terminated"], f"states {states(evs)}")
    check(evs[-1]["libcimjob"]["Escalated"] is True, "not escalated")
    check(evs[-1]["JobStatus"] != "", "JobStatus does not record the escalation")
    check(0.7 <= took < 5, f"took {took:.2f} s for a 0.2 s deadline and a 0.6 s grace")
    t0 = time.monotonic()
    st, _, err = run(["run", "--quiet", "--terminate-after", "0.2", "--grace", "0", "--",
                      "sh", "-c", "trap '' TERM; sleep 30 & wait"], tag)
    took = time.monotonic() - t0
    check(st == 124 and took < 2, f"--grace 0: exit {st} after {took:.2f} s")
    assert_nothing_left(tag)


@case
def cim_interval_seconds():
    st, _, err = run(["run", "--quiet", "--terminate-after", "00000000000000.300000:000", "--",
                      "sleep", "30"])
    check(st == 124, f"CIM interval: {st} {err}")


@case
def name_option():
    st, _, err = run(["run", "--events", "json", "--name", "nightly backup", "--", "true"])
    check(all(e["Name"] == "nightly backup" for e in events(err)), "--name not used")
    st, _, err = run(["run", "--events", "json", "--", "/bin/true"])
    check(all(e["Name"] == "true" for e in events(err)), "default Name is not the base name")
    # A Name that is not UTF-8 still gives valid JSON.
    p = subprocess.run([CIMJOB.encode(), b"run", b"--events", b"json", b"--name", b"caf\xe9",
                        b"--", b"true"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    check(p.returncode == 0 and events(p.stderr.decode()), "non-UTF-8 Name")


@case
def text_and_quiet():
    st, _, err = run(["run", "--", "sh", "-c", "exit 0"])
    check(st == 0 and "Starting -> Running" in err and "Completed" in err, f"text: {err!r}")
    st, out, err = run(["run", "--quiet", "--", "sh", "-c", "echo out; echo err >&2"])
    check(st == 0 and out == "out\n" and err == "err\n",
          f"--quiet: the command's own output only, got {out!r} {err!r}")
    st, _, err = run(["run", "-q", "--events", "text", "--", "true"])
    check("Running" in err, "the last of --quiet / --events wins")


@case
def backends():
    st, _, err = run(["run", "--backend", "posix", "--events", "json", "--", "true"])
    check(st == 0 and events(err)[-1]["libcimjob"]["Backend"] == "posix", f"posix: {st}")
    st, _, err = run(["run", "--backend", "fake", "--events", "json", "--terminate-after", "0.2",
                      "--", "anything"])
    evs = events(err)
    check(st == 124, f"fake: {st}")
    check(states(evs) == ["New", "Starting", "Running", "Shutting Down", "Terminated"],
          f"fake states {states(evs)}")
    check(evs[-1]["libcimjob"]["Backend"] == "fake", "fake: Backend")


@case
def stdin_passes_through():
    p = subprocess.run([CIMJOB, "run", "--quiet", "--", "cat"], input=b"hello\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    check(p.returncode == 0 and p.stdout == b"hello\n", f"cat: {p.returncode} {p.stdout!r}")


# ---- nothing left behind ----------------------------------------------------------------------

@case
def leftovers_of_a_normal_exit():
    tag = new_tag()
    t0 = time.monotonic()
    st, _, _ = run(["run", "--quiet", "--", "sh", "-c",
                    "sleep 30 & setsid -f sleep 31 </dev/null >/dev/null 2>&1; exit 5"], tag)
    check(st == 5, f"exit {st}")
    check(time.monotonic() - t0 < 5, "cimjob waited for the leftovers")
    assert_nothing_left(tag)


@case
def wait_all():
    tag = new_tag()
    t0 = time.monotonic()
    st, _, _ = run(["run", "--quiet", "--wait-all", "--", "sh", "-c", "sleep 0.6 & exit 0"], tag)
    took = time.monotonic() - t0
    check(st == 0 and took >= 0.5, f"--wait-all: exit {st} after {took:.2f} s")
    assert_nothing_left(tag)


@case
def tree_terminate_after():
    tag = new_tag()
    st, _, _ = run(["run", "--quiet", "--terminate-after", "0.4", "--grace", "0.5", "--", "sh",
                    "-c", TREE], tag)
    check(st == 124, f"exit {st}")
    assert_nothing_left(tag)


@case
def tree_kill_after():
    tag = new_tag()
    st, _, _ = run(["run", "--quiet", "--kill-after", "0.4", "--", "sh", "-c", TREE], tag)
    check(st == 124, f"exit {st}")
    assert_nothing_left(tag)


def signal_case(sigs, expect_state, expect_status, args=("sh", "-c", TREE), grace="5"):
    tag = new_tag()
    p, seen = start(["--grace", grace, "--"] + list(args), tag)
    check(len(tagged(tag)) >= (1 if len(args) == 2 else 4), "the job's processes did not start")
    for s in sigs:
        p.send_signal(s)
        time.sleep(0.3)
    st, evs = finish(p, seen)
    check(states(evs)[-1] == expect_state, f"states {states(evs)}")
    check(st == expect_status, f"exit {st}, expected {expect_status}")
    assert_nothing_left(tag)
    return evs


@case
def sigterm_terminates():
    # The main process (sleep) dies of the SIGTERM the Terminate sends.
    signal_case([signal.SIGTERM], "Terminated", 143, ("sleep", "30"))


@case
def sigint_terminates():
    signal_case([signal.SIGINT], "Terminated", 143, ("sleep", "30"))


@case
def sighup_terminates():
    signal_case([signal.SIGHUP], "Terminated", 143, ("sleep", "30"))


@case
def signal_then_escalation():
    # The tree ignores SIGTERM: the Terminate is escalated to a kill after --grace.
    evs = signal_case([signal.SIGTERM], "Terminated", 137, grace="0.5")
    check(evs[-1]["libcimjob"]["Escalated"] is True, "not escalated")


@case
def second_signal_kills():
    signal_case([signal.SIGINT, signal.SIGINT], "Killed", 137)
    signal_case([signal.SIGTERM, signal.SIGHUP], "Killed", 137)


@case
def sigkill_of_cimjob():
    # cimjob cannot do anything about SIGKILL; the job was created to die with its host.
    tag = new_tag()
    p, seen = start(["--", "sh", "-c", TREE], tag)
    p.kill()
    p.wait(timeout=10)
    assert_nothing_left(tag, grace=3.0)


@case
def broken_stderr():
    # Events to a pipe nobody reads any more: cimjob must not die of SIGPIPE and orphan the job.
    tag = new_tag()
    env = dict(os.environ)
    k, v = tag.split("=", 1)
    env[k] = v
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([CIMJOB, "run", "--terminate-after", "0.3", "--", "sleep", "30"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=w, env=env,
                       timeout=30)
    os.close(w)
    check(p.returncode == 124, f"exit {p.returncode}")
    assert_nothing_left(tag)


# ---- issue 14: like a plain exec, durations, messages ------------------------------------------

def fds_of_job(args, **kw):
    """The descriptors the job's main process has open (as /proc/self/fd lists them)."""
    p = subprocess.run([CIMJOB, "run", "--quiet", "--", "sh", "-c", "ls /proc/$$/fd"] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, **kw)
    listing = p.stdout.decode().split()
    return p.returncode, sorted(int(x) for x in listing if x.isdigit())


@case
def descriptors_like_a_plain_exec():
    # A descriptor the caller left inheritable passes (process substitution, make's jobserver);
    # one it marked close-on-exec does not; none of cimjob's own (registry, pipes) leak in.
    r, w = os.pipe()
    os.set_inheritable(r, True)
    r2, w2 = os.pipe()  # close-on-exec (Python's default)
    try:
        st, fds = fds_of_job([], pass_fds=(r,), close_fds=True)
        check(st == 0, f"exit {st}")
        check(r in fds, f"inheritable fd {r} did not pass: {fds}")
        check(r2 not in fds and w2 not in fds, f"a close-on-exec fd leaked: {fds}")
        extra = [fd for fd in fds if fd not in (0, 1, 2, r)]
        # ls itself opens one descriptor to read the directory (the highest one)
        check(len(extra) <= 1, f"cimjob's own descriptors leaked into the job: {fds}")
    finally:
        for fd in (r, w, r2, w2):
            os.close(fd)
    p = subprocess.run(["bash", "-c", f"{CIMJOB} run -q -- cat <(echo from-procsub)"],
                       stdout=subprocess.PIPE, timeout=30)
    check(p.stdout == b"from-procsub\n", f"process substitution: {p.stdout!r}")


@case
def closed_standard_streams():
    # With stdin closed at start, the job's stdin is closed too (not cimjob's signal pipe), and
    # a SIGTERM to cimjob still reaches the job.
    p = subprocess.run(["sh", "-c", f"exec 0<&-; {CIMJOB} run -q -- sh -c "
                        "'if [ -e /proc/$$/fd/0 ]; then echo open; else echo closed; fi'"],
                       stdout=subprocess.PIPE, timeout=30)
    check(p.stdout == b"closed\n", f"stdin of the job: {p.stdout!r}")
    tag = new_tag()
    env = dict(os.environ)
    k, v = tag.split("=", 1)
    env[k] = v
    q = subprocess.Popen(["sh", "-c", f"exec 0<&- 2>&-; exec {CIMJOB} run -q -- sleep 30"],
                         env=env, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    q.send_signal(signal.SIGTERM)
    st = q.wait(timeout=15)
    check(st == 143, f"SIGTERM with 0 and 2 closed: exit {st}")
    assert_nothing_left(tag)


@case
def parent_ignores_sigchld():
    for code in ["0", "3"]:
        p = subprocess.run(["perl", "-e", '$SIG{CHLD}="IGNORE"; exec @ARGV', CIMJOB, "run", "-q",
                            "--", "sh", "-c", f"exit {code}"], timeout=30)
        check(p.returncode == int(code), f"SIGCHLD ignored: exit {p.returncode}, not {code}")


@case
def text_events_escape_control_characters():
    st, _, err = run(["run", "--name", "evil\ncimjob: [   0.000s] forged", "--", "true"])
    lines = err.splitlines()
    check(st == 0 and len(lines) == 3, f"one line per event: {lines}")
    check(all("evil\\ncimjob" in line for line in lines), f"not escaped: {lines}")


@case
def durations_as_timeout():
    t0 = time.monotonic()
    st, _, _ = run(["run", "-q", "--terminate-after", "0", "--", "sleep", "0.5"])
    check(st == 0 and time.monotonic() - t0 >= 0.45, f"--terminate-after 0 is no deadline: {st}")
    for d in ["0x1p-2", "0.005m", "3e-1s"]:
        st, _, err = run(["run", "-q", "--terminate-after", d, "--", "sleep", "30"])
        check(st == 124, f"--terminate-after {d}: {st} {err}")
    st, _, _ = run(["run", "-q", "--terminate-after", "1e400", "--", "true"])
    check(st == 0, f"a huge duration saturates: {st}")
    st, _, err = run(["run", "-q", "--terminate-after", "1x", "--", "true"])
    check(st == 125 and "--terminate-after" in err, f"1x: {st} {err}")


@case
def start_failures_are_explained():
    st, _, err = run(["run", "-q", "--", "no-such-command-cimjob-test"])
    check(st == 127 and "failed to run command 'no-such-command-cimjob-test': No such file" in err,
          f"not found: {st} {err!r}")
    st, _, err = run(["run", "-q", "--", "/etc"])
    check(st == 126 and "failed to run command '/etc': Permission denied" in err,
          f"not executable: {st} {err!r}")


@case
def timeout_subcommand_and_link():
    st, _, err = run(["timeout", "0.3", "sleep", "30"])
    check(st == 124 and err == "", f"cimjob timeout: {st} {err!r}")
    with tempfile.TemporaryDirectory() as d:
        link = os.path.join(d, "timeout")
        os.symlink(CIMJOB, link)
        p = subprocess.run([link, "--bogus"], stderr=subprocess.PIPE, timeout=30)
        check(p.returncode == 125 and p.stderr.decode().startswith(f"{link}: unrecognized"),
              f"as timeout: {p.returncode} {p.stderr!r}")

def main():
    global CIMJOB
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print("1..0 # SKIP the cimjob command was not built")
        return 0
    if not os.path.isdir("/proc/self"):
        print("1..0 # SKIP needs /proc")
        return 0
    CIMJOB = os.path.abspath(sys.argv[1])
    return run_cases(CASES, sys.argv[2] if len(sys.argv) > 2 else None)

if __name__ == "__main__":
    sys.exit(main())
