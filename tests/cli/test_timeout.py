#!/usr/bin/env python3
"""`cimjob timeout` against GNU coreutils timeout(1), case by case, speaking TAP.

    test_timeout.py PATH/TO/cimjob [NAME-FILTER]

Every case of the table runs through coreutils' /usr/bin/timeout and through cimjob, both
invoked as `timeout` (a directory of links first on PATH: coreutils', or one to cimjob, which
then acts as timeout by its argv[0]; a nested `timeout` resolves to the same one), in the C
locale, and compares:
  - the exit status (an exit code, or death by a signal: Popen's negative returncode),
  - standard error, exactly (both print "timeout: ..."), and standard output,
  - the timing class (instant, about a second, about two, longer),
and, for cimjob, that no process of the job is left once it has returned. The cases come from
coreutils' own tests (tests/misc/timeout*.sh, timeout-blocked.pl) and from the cases people rely
on (issue 14). Where cimjob differs on purpose (docs/cimjob.1, TIMEOUT(1) COMPATIBILITY: it
leaves nothing behind), the case asserts each side's documented behaviour instead.
Cases run concurrently (they mostly sleep) to keep the suite short.
"""
import concurrent.futures
import os
import resource
import shutil
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import kill_pids, tagged  # noqa: E402

COREUTILS = "/usr/bin/timeout"
TAGVAR = "CIMJOB_TIMEOUT_TEST_TAG"
CIMJOB = None
BIN = {}  # impl -> directory with its `timeout` link


class Case:
    def __init__(self, name, args=None, sh=None, send=(), stdin=None, blocked=(), fds=False,
                 differs=None, help_text=False, form="link", core=False):
        self.name = name
        self.args = args      # argv after `timeout`
        self.sh = sh          # or a shell script that runs `timeout` itself
        self.send = send      # [(delay s, signal)] sent to the timeout process
        self.stdin = stdin    # bytes for stdin, else /dev/null
        self.blocked = blocked  # signals blocked when timeout starts
        self.fds = fds        # pass a pipe as descriptor 5 holding "fd3\n"
        self.differs = differs  # documented difference: {"coreutils": check, "cimjob": check}
        self.help_text = help_text  # stdout differs (help/version): compare only that it is there
        self.form = form      # "link": `timeout ...`; "sub": `cimjob timeout ...`
        self.core = core      # core dumps allowed, in a temporary directory removed afterwards


CASES = []
# A command that says it runs (a file named by $TIMEOUT_TEST_READY) before the signals of a
# case are sent: a signal that came before timeout's handlers would test nothing (sanitized
# builds start slowly).
READY = ': > "$TIMEOUT_TEST_READY"; '
READY_SLEEP = ["sh", "-c", READY + "exec sleep 10"]


def case(*a, **k):
    CASES.append(Case(*a, **k))


# ---- coreutils tests/misc/timeout.sh ----------------------------------------------------------
case("basic", ["10", "true"])
case("days", ["1d", "true"])
case("zero_disables", ["0", "true"])
case("exit_status", ["10", "sh", "-c", "exit 2"])
case("timed_out", [".8", "sleep", "10"])
case("preserve_status", ["--preserve-status", ".8", "sleep", "10"])
case("sig0_kill_after", ["-s0", "-k1", ".8", "sleep", "10"])
case("foreground_sig0_kill_after", ["--foreground", "-s0", "-k1", ".8", "sleep", "10"])
case("chld_ignored", sh="trap '' CHLD; exec timeout 10 true")
case("unrelated_child", sh="out=$(sleep .1 & exec timeout .8 sh -c 'sleep 2; echo foo'); "
     "echo \"[$out]\"; exit $?")
case("verbose_exit_kill", ["-v", "-s0", "-k", ".8", ".8", "sleep", "10"])
case("verbose_long", ["--verbose", "-s0", "-k", ".8", ".8", "sleep", "10"])
# ---- tests/misc/timeout-parameters.sh ---------------------------------------------------------
case("invalid_duration", ["invalid", "sleep", "0"])
case("invalid_kill_after", ["--kill-after=invalid", "1", "sleep", "0"])
case("invalid_suffix", ["42D", "sleep", "0"])
case("fraction", ["10.34", "sleep", "0"])
case("many_nines", ["9.999999999", "sleep", "0"])
case("invalid_signal", ["--signal=invalid", "1", "sleep", "0"])
case("not_executable_dir", ["10", "."])
case("not_found", ["10", "no_such_command_cimjob_test"])
# ---- tests/misc/timeout-large-parameters.sh: huge values saturate -----------------------------
case("time_t_overflow", ["9223372036854775808", "sleep", "0"])
case("uint_overflow", ["4294967296", "sleep", "0"])
case("time_t_overflow_days", ["9223372036854775808d", "sleep", "0"])
case("large_days", ["2.34e+5d", "sleep", "0"])
case("ldbl_max", ["1.18973149535723176502e+4932", "sleep", "0"])
case("negative_ldbl_max", ["--", "-1.18973149535723176502e+4932", "sleep", "0"])
# ---- tests/misc/timeout-group.sh: a nested timeout, the outer one's ALRM ----------------------
# The inner timeout sends INT to its child and then to its group, so sh may get two INTs: the
# trap ignores the second (otherwise sh may print "int" twice on either side, a race of sh's).
case("nested_alrm", ["-s", "ALRM", "30", "timeout", "-s", "INT", "25", "sh", "-c",
                     "trap 'trap \"\" INT; echo int; exit' INT; " + READY +
                     "while :; do sleep .1; done"],
     send=[(0.6, signal.SIGALRM)])
# ---- tests/misc/timeout-blocked.pl: SIGALRM blocked by the parent -----------------------------
case("alrm_blocked", [".8", "sleep", "10"], blocked=[signal.SIGALRM])
# ---- DURATION -----------------------------------------------------------------------------------
case("hex_float", ["0x1.8p-1", "sleep", "10"])
case("hex_integer", ["0x0", "true"])
case("leading_blank", [" .8", "sleep", "10"])
case("plus_sign", ["+.8", "sleep", "10"])
case("exponent", ["8e-1", "sleep", "10"])
case("minutes_fraction", ["0.0001m", "sleep", "10"])
case("underflow_is_zero", ["1e-400", "sleep", ".8"])
case("infinity", ["inf", "true"])
case("infinity_word", ["INFINITY", "true"])
case("nan", ["nan", "true"])
case("negative", ["-1", "true"])
case("negative_zero", ["-0", "true"])
case("trailing_blank", ["1 ", "true"])
case("two_suffixes", ["1ss", "true"])
case("bad_suffix", ["1x", "true"])
case("empty_duration", ["", "true"])
case("lone_suffix", ["s", "true"])
case("hex_prefix_only", ["0x", "true"])
case("kill_after_saturates", ["-k", "1e999", ".8", "sleep", "10"])
case("kill_after_zero", ["-k", "0", "-s", "0", ".5", "sleep", "2"])
# ---- -s SIGNAL ------------------------------------------------------------------------------------
for sig in ["INT", "SIGINT", "sigint", "int", "2", "130", "258", "HUP", "USR1", "IOT", "RTMIN",
            "RTMIN+1", "SIGRTMAX-2", "RTMAX"]:
    case("signal_" + sig.replace("+", "p").replace("-", "m"), ["-s", sig, ".8", "sleep", "10"])
for sig in ["32", "65", "KILL ", "", "-1", "RTMIN+31", "SIGSIG", "TERM2"]:
    case("bad_signal_" + (sig.strip().replace("+", "p").replace("-", "m") or "empty"),
         ["-s", sig, "1", "true"])
case("signal_kill", ["-s", "KILL", ".8", "sleep", "10"])
case("signal_9_verbose", ["-v", "-s", "9", ".8", "sleep", "10"])
case("signal_exit_name", ["-v", "-s", "EXIT", "-k", ".8", ".8", "sleep", "10"])
# (Not -s CHLD or -s STOP: coreutils' timeout then hangs, ignoring SIGCHLD or stopping itself
# along with its group; cimjob does not copy that. docs/cimjob.1 says so.)
case("signal_winch_ignored", ["-s", "WINCH", ".5", "sleep", "2"])
case("signal_tstp", ["-s", "TSTP", ".5", "sleep", "2"])
case("signal_cont", ["-s", "CONT", ".5", "sleep", "2"])
case("foreground_kill", ["--foreground", "-s", "KILL", ".8", "sleep", "10"])
case("foreground_verbose", ["--foreground", "-v", ".8", "sleep", "10"])
# ---- -k, --preserve-status ------------------------------------------------------------------------
case("kill_after_term_ignored", ["-k", ".8", ".8", "sh", "-c", "trap '' TERM; sleep 10"])
case("kill_after_foreground", ["--foreground", "-k", ".8", ".8", "sh", "-c",
                               "trap '' TERM; exec sleep 10"])
case("kill_after_verbose", ["-v", "-k", ".8", ".8", "sh", "-c", "trap '' TERM; sleep 10"])
case("preserve_handled", ["--preserve-status", ".8", "sh", "-c",
                          "trap 'exit 7' TERM; sleep 10 & wait"])
case("preserve_kill", ["--preserve-status", "-s", "KILL", ".8", "sleep", "10"])
case("handled_term_is_124", [".8", "sh", "-c", "trap 'exit 0' TERM; sleep 10 & wait"])
# ---- exit statuses -------------------------------------------------------------------------------
case("status_255", ["10", "sh", "-c", "exit 255"])
case("status_usr1_reraised", ["10", "sh", "-c", "kill -USR1 $$"])
case("status_kill_reraised", ["10", "sh", "-c", "kill -KILL $$"])
case("status_segv_reraised", ["10", "sh", "-c", "kill -SEGV $$"])
case("status_quit_reraised", ["10", "sh", "-c", "kill -QUIT $$"])
case("status_not_executable_file", ["10", "/etc/hostname"])
case("status_path_through_a_file", ["10", "/etc/hostname/x"])
# ---- signals sent to timeout ----------------------------------------------------------------------
for sig in [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGALRM]:
    case("sent_" + sig.name, ["10"] + READY_SLEEP, send=[(0.6, sig)])
case("sent_usr1_with_s_usr1", ["-s", "USR1", "10"] + READY_SLEEP, send=[(0.6, signal.SIGUSR1)])
case("sent_term_kill_after", ["-k", ".8", "10", "sh", "-c", "trap '' TERM; " + READY + "sleep 10"],
     send=[(0.6, signal.SIGTERM)])
case("sent_term_foreground", ["--foreground", "10"] + READY_SLEEP, send=[(0.6, signal.SIGTERM)])
case("sent_term_handled", ["10", "sh", "-c", "trap 'exit 3' TERM; " + READY + "sleep 10 & wait"],
     send=[(0.6, signal.SIGTERM)])
# ---- options ------------------------------------------------------------------------------------
case("double_dash", ["--", "1", "true"])
case("abbreviated", ["--fore", "--pres", "--sig=HUP", "--kill=5", ".8", "sleep", "10"])
case("help", ["--help"], help_text=True)
case("help_wins", ["--help", "bogus", "operands"], help_text=True)
case("version", ["--version"], help_text=True)
case("no_operands", [])
case("one_operand", ["1"])
case("missing_k_value", ["-k"])
case("missing_signal_value", ["1", "--signal"])  # "--signal" is COMMAND here: not found
case("long_missing_value", ["--signal"])
case("invalid_short", ["-x", "1", "true"])
case("unrecognized_long", ["--bogus", "1", "true"])
case("value_not_allowed", ["--verbose=1", "1", "true"])
case("ambiguous", ["--ver", "1", "true"])
case("options_stop_at_duration", ["1", "-v", "true"])  # "-v" is COMMAND: not found
# ---- streams and descriptors ------------------------------------------------------------------
case("stdin_passes", ["5", "cat"], stdin=b"hello\n")
case("fd_passes", ["5", "sh", "-c", "cat <&5"], fds=True)
case("stdin_closed", sh="exec 0<&-; exec timeout 5 sh -c "
     "'if [ -e /proc/$$/fd/0 ]; then echo open; else echo closed; fi'")
case("stdout_closed", sh="exec 1>&-; timeout .8 sleep 10; echo $? >&2")
case("stderr_closed_verbose", sh="exec 2>&-; timeout -v .8 sleep 10; echo $?")
case("output_order", ["5", "sh", "-c", "echo out; echo err >&2; exit 4"])
case("odd_command_name", ["5", "./caf\xe9\n"])  # not found, whatever its bytes
# ---- inherited signal state: exec keeps SIG_IGN and the mask (coreutils resets only the
# signals it catches, TTIN and TTOU, and unblocks only CHLD for its command) ------------------
SIGSTATE = ["5", "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"]
SIGSTATE_SH = "exec timeout " + " ".join(shlex.quote(a) for a in SIGSTATE)
case("ignored_int", sh="trap '' INT; " + SIGSTATE_SH)
case("ignored_int_usr1_pipe", sh="trap '' INT USR1 PIPE; " + SIGSTATE_SH)
case("ignored_hup", sh="trap '' HUP; " + SIGSTATE_SH)
case("ignored_hup_usr2_ttin", sh="trap '' HUP USR2 TTIN TTOU WINCH; " + SIGSTATE_SH)
case("ignored_cont_chld_quit", sh="trap '' CONT CHLD QUIT TERM ALRM; " + SIGSTATE_SH)
case("ignored_cont_s_cont", sh="trap '' CONT USR1; exec timeout -s CONT "
     + " ".join(shlex.quote(a) for a in SIGSTATE))
case("ignored_s_usr1", sh="trap '' USR1 USR2; exec timeout -s USR1 "
     + " ".join(shlex.quote(a) for a in SIGSTATE))
case("nohup_style", sh="exec nohup timeout " + " ".join(shlex.quote(a) for a in SIGSTATE))
case("nohup_hup_survives_nothing", sh="trap '' HUP; exec timeout 5 sh -c "
     "'kill -HUP $$; echo survived'")
case("ignored_usr1_survives", sh="trap '' USR1; exec timeout 5 sh -c "
     "'kill -USR1 $$; echo survived'")
case("ignored_pipe_epipe", sh="trap '' PIPE; timeout 5 sh -c 'yes | head -n 1'; echo $?")
case("blocked_mask", SIGSTATE, blocked=[signal.SIGUSR1, signal.SIGTERM, signal.SIGINT,
                                        signal.SIGCONT, signal.SIGCHLD, signal.SIGALRM])
case("blocked_usr1_pending", ["5", "sh", "-c", "kill -USR1 $$; echo still"],
     blocked=[signal.SIGUSR1])
# ---- a core dump: "the monitored command dumped core" (when the kernel writes one: see main) --
case("core_dumped", sh="ulimit -c unlimited; exec timeout 10 sh -c 'kill -SEGV $$'", core=True)
case("core_dumped_timed_out", sh="ulimit -c unlimited; exec timeout -s SEGV .5 sleep 10",
     core=True)
# ---- the `cimjob timeout` spelling --------------------------------------------------------------
case("sub_timed_out", [".8", "sleep", "10"], form="sub")
case("sub_invalid", ["x", "true"], form="sub")
case("sub_not_found", ["1", "no_such_command_cimjob_test"], form="sub")
# ---- documented differences: cimjob leaves nothing behind -------------------------------------
LEFT = "coreutils leaves it running"
case("background_child_outlives", ["5", "sh", "-c", "sleep 30 & exit 0"],
     differs={"coreutils": LEFT, "cimjob": "ended"})
case("setsid_escapee_at_deadline", [".8", "sh", "-c",
                                    "setsid sleep 30 </dev/null >/dev/null 2>&1 & sleep 10"],
     differs={"coreutils": LEFT, "cimjob": "ended"})
case("unhandled_signal_to_timeout", ["10"] + READY_SLEEP, send=[(0.6, signal.SIGUSR1)],
     differs={"coreutils": LEFT, "cimjob": "ended"})
case("foreground_children_not_timed_out", ["--foreground", ".8", "sh", "-c",
                                           "sleep 30 & sleep 10"],
     differs={"coreutils": LEFT, "cimjob": "ended"})


def time_class(seconds):
    if seconds < 0.45:
        return "instant"
    if seconds < 1.4:
        return "about 1 s"
    if seconds < 3.0:
        return "about 2 s"
    return "long"


def left_behind(tag, grace):
    deadline = time.monotonic() + grace
    while True:
        left = tagged(tag)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def run_one(c, impl):
    """Run one case through one implementation: a dict of what it did."""
    tag = f"{TAGVAR}={uuid.uuid4().hex}"
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["PATH"] = BIN[impl] + ":" + env.get("PATH", "/usr/bin:/bin")
    env[TAGVAR] = tag.split("=", 1)[1]
    ready = os.path.join(tempfile.gettempdir(), "cimjob-timeout-ready-" + uuid.uuid4().hex)
    env["TIMEOUT_TEST_READY"] = ready
    if c.core:  # an ASan build would lower its own core limit, and so its command's
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":disable_coredump=0").lstrip(":")
    if c.sh is not None:
        argv = ["sh", "-c", c.sh]
    elif impl == "cimjob" and c.form == "sub":
        argv = [CIMJOB, "timeout"] + c.args
    else:
        argv = ["timeout"] + c.args
    r = None
    pass_fds = ()
    if c.fds:
        r, w = os.pipe()
        os.write(w, b"fd3\n")
        os.close(w)
        pass_fds = (r,)
    blocked = list(c.blocked)

    def preexec():
        if c.core:  # the script raises its soft limit; cores land in its own directory
            hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        else:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no "dumped core" either way
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        if r is not None:  # inheritable, and a number dash can read (a single digit)
            if r == 5:
                os.set_inheritable(5, True)  # dup2 onto itself would leave close-on-exec
            else:
                os.dup2(r, 5)

    # Files, not pipes: the time is the process's own, not that of whoever holds a pipe open.
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr, \
            tempfile.TemporaryDirectory() as cwd:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, cwd=cwd if c.core else None,
                             stdin=subprocess.PIPE if c.stdin else subprocess.DEVNULL,
                             stdout=fout, stderr=ferr, close_fds=not pass_fds, preexec_fn=preexec)
        if c.stdin:
            p.stdin.write(c.stdin)
            p.stdin.close()
        t_ready = t0
        if c.send:
            deadline = t0 + 15
            while not os.path.exists(ready) and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.01)
            t_ready = time.monotonic()
        for delay, sig in c.send:
            time.sleep(max(0.0, t_ready + delay - time.monotonic()))
            try:
                p.send_signal(sig)
            except OSError:
                pass
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            kill_pids(tagged(tag))
            return {"error": "did not end within 30 s"}
        took = time.monotonic() - t0
        if os.path.exists(ready):
            os.unlink(ready)
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), ferr.read()
    took = time.monotonic() - t0
    if r is not None:
        os.close(r)
    # cimjob ends everything before it returns (a moment for the kernel to finish a kill).
    left = left_behind(tag, 1.0 if impl == "cimjob" else 0.3)
    kill_pids(left)
    return {"status": p.returncode, "stdout": out, "stderr": err, "time": time_class(took),
            "took": took, "left": len(left)}


def show(res):
    if "error" in res:
        return res["error"]
    return (f"status {res['status']}, {res['took']:.2f} s ({res['time']}), "
            f"{res['left']} left, stdout {res['stdout']!r}, stderr {res['stderr']!r}")


def judge(c, co, cj):
    """Return a list of problems (empty: the case passes)."""
    if "error" in co:
        return [f"coreutils: {co['error']}"]
    if "error" in cj:
        return [f"cimjob: {cj['error']}"]
    problems = []
    if cj["left"]:
        problems.append(f"cimjob left {cj['left']} processes behind")
    if c.differs:
        # Everything else equal; coreutils leaves a process that cimjob ends.
        if not co["left"]:
            problems.append("coreutils left nothing behind here: the documented difference "
                            "did not show")
    elif co["left"]:
        problems.append(f"coreutils left {co['left']} processes: the case should be a "
                        "documented difference")
    for key in ["status", "stderr"] + ([] if c.help_text else ["stdout"]):
        if co[key] != cj[key]:
            problems.append(f"{key} differs")
    # Timing classes must match, with room for a loaded machine (a sanitized build starts
    # slowly): cimjob may be up to 1.5 s slower, 0.4 s faster. A missed deadline (10 s
    # commands) or a wrong early return still shows.
    late = cj["took"] - co["took"]
    if co["time"] != cj["time"] and not -0.4 < late < 1.5:
        problems.append("time differs")
    if c.help_text and not (co["stdout"] and cj["stdout"]):
        problems.append("no help/version text")
    if c.core and b"dumped core" not in co["stderr"]:
        c.skip = ("the kernel wrote no core here (core_pattern, its handler or limits): "
                  "the diagnostic was not compared")
    if problems:
        problems.append(f"coreutils: {show(co)}")
        problems.append(f"cimjob:    {show(cj)}")
    return problems


def main():
    global CIMJOB
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print("1..0 # SKIP the cimjob command was not built")
        return 0
    if not os.access(COREUTILS, os.X_OK):
        print("1..0 # SKIP no coreutils timeout to compare with")
        return 0
    CIMJOB = os.path.abspath(sys.argv[1])
    if os.environ.pop("CIMJOB_TEST_AS_NOBODY", None) == "1":
        # Again as a user without cgroups: jobs then get subreaper containment.
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            print("1..0 # SKIP needs root and setpriv to run as nobody")
            return 0
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(nobody + [CIMJOB, "run", "--events", "json", "--", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/")
        # access() as nobody too: the checkout may sit in a directory only root can enter.
        reach = subprocess.run(nobody + ["sh", "-c", 'test -x "$1" && test -r "$2"', "sh",
                                         CIMJOB, os.path.abspath(__file__)], cwd="/")
        if probe.returncode != 0 or reach.returncode != 0:
            print("1..0 # SKIP nobody cannot run this build (its directory is private)")
            return 0
        if b'"Containment":"subreaper"' not in probe.stderr:
            print("1..0 # SKIP nobody does not get subreaper containment here")
            return 0
        os.chdir("/tmp")
        os.environ["HOME"] = "/tmp"
        os.execvp(nobody[0], nobody + [sys.executable, os.path.abspath(__file__), CIMJOB] +
                  sys.argv[2:])
    selected = [c for c in CASES if len(sys.argv) < 3 or sys.argv[2] in c.name]
    with tempfile.TemporaryDirectory() as d:
        for impl, target in [("coreutils", COREUTILS), ("cimjob", CIMJOB)]:
            BIN[impl] = os.path.join(d, impl)
            os.mkdir(BIN[impl])
            os.symlink(target, os.path.join(BIN[impl], "timeout"))
        print(f"1..{len(selected)}", flush=True)
        failed = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            futs = [(c, pool.submit(run_one, c, "coreutils"), pool.submit(run_one, c, "cimjob"))
                    for c in selected]
            for n, (c, fco, fcj) in enumerate(futs, 1):
                try:
                    problems = judge(c, fco.result(), fcj.result())
                    # A machine shared with others is noisy: a case that differs only in its
                    # timing class runs again, alone, before it counts as a difference.
                    for _ in range(2):
                        if not problems or not all(p == "time differs" or p.startswith(
                                ("coreutils:", "cimjob:")) for p in problems):
                            break
                        problems = judge(c, run_one(c, "coreutils"), run_one(c, "cimjob"))
                except Exception as e:  # noqa: BLE001 - a broken case fails, the run goes on
                    problems = [f"{type(e).__name__}: {e}"]
                note = " (documented difference)" if c.differs else ""
                if getattr(c, "skip", None) and not problems:
                    note += " # SKIP " + c.skip
                if problems:
                    failed += 1
                    print(f"not ok {n} - {c.name}{note}", flush=True)
                    for line in problems:
                        print(f"# {line}", flush=True)
                else:
                    print(f"ok {n} - {c.name}{note}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
