#!/usr/bin/env python3
"""`cimjob run` and `cimjob timeout` at an interactive terminal, under tmux, speaking TAP.

    test_tty.py PATH/TO/cimjob [NAME-FILTER]

Each case starts a private tmux server (its own socket) with an interactive bash, types at it
as a person would (text, Ctrl-D, Ctrl-C, Ctrl-Z, `fg`, vi commands) and reads the screen:
  - the job can read the terminal (it has the foreground) and the shell gets it back after;
  - Ctrl-C reaches the job as SIGINT (status 130);
  - Ctrl-Z suspends the whole job (JobState Suspended, even a process in another session stops
    working) and stops cimjob, the shell reports it Stopped; `fg` resumes it all;
  - a full-screen editor (vi) works;
  - `cimjob timeout` behaves at a prompt and in a script as coreutils' timeout(1) does there.
Every server is ended by its PID at the end of its case.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Failure, Skip, check, run_cases  # noqa: E402

CIMJOB = None
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


class Term:
    """One tmux server with one interactive bash in a 100x30 terminal."""

    def __init__(self, workdir, shell_prefix=""):
        self.sock = "cimjob-tty-" + uuid.uuid4().hex[:12]
        self.pid = None
        env = dict(os.environ)
        env.pop("TMUX", None)
        env["LC_ALL"] = "C"
        self.env = env
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "-c", workdir,
                  shell_prefix + "env PS1='$ ' PS2='> ' HISTFILE=/dev/null HOME=/tmp "
                  "bash --norc --noprofile -i")
        try:
            self.pid = int(self.tmux("display-message", "-p", "#{pid}").strip())
            self.wait_for(r"^\$", what="the first prompt")  # (capture-pane drops trailing blanks)
        except Exception:
            self.close()  # a server that never showed its prompt is ended all the same
            raise

    def tmux(self, *args):
        p = subprocess.run(["tmux", "-L", self.sock] + list(args), env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        if p.returncode != 0:
            raise Failure(f"tmux {args[0]}: {p.stderr.decode(errors='replace')}")
        return p.stdout.decode(errors="replace")

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def line(self, text):
        self.tmux("send-keys", "-l", text)
        self.tmux("send-keys", "Enter")

    def screen(self):
        return self.tmux("capture-pane", "-p", "-S", "-200")

    def wait_for(self, pattern, timeout=10.0, what=None):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            m = rx.search(s)
            if m:
                return m
            if time.monotonic() >= deadline:
                raise Failure(f"no {what or pattern!r} on the screen:\n{s.rstrip()}")
            time.sleep(0.05)

    def wait_prompt(self, timeout=10.0):
        """Wait until the shell shows an idle prompt: keys typed before may be thrown away
        (bash discards typeahead when its foreground job died of SIGINT)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [line for line in self.screen().splitlines() if line.strip()]
            if lines and lines[-1].rstrip() == "$":
                return
            if time.monotonic() >= deadline:
                raise Failure("no idle prompt:\n" + "\n".join(lines[-10:]))
            time.sleep(0.05)

    def status(self, timeout=10.0):
        """Ask the shell for $? (also proves it has the terminal back)."""
        self.wait_prompt(timeout)
        marker = uuid.uuid4().hex[:6]
        self.line(f"echo st-{marker}=$?")
        return int(self.wait_for(rf"^st-{marker}=(\d+)", timeout).group(1))

    def close(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)  # the server; its shells get SIGHUP
            except OSError:
                pass
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)


def with_term(fn):
    def run():
        with tempfile.TemporaryDirectory() as d:
            t = Term(d)
            try:
                fn(t, d)
            finally:
                t.close()
    run.__name__ = fn.__name__
    return case(run)


@with_term
def run_cat_reads_the_terminal(t, d):
    t.line(f"{CIMJOB} run -- cat")
    t.wait_for(r"Starting -> Running")
    t.line("hello from the terminal")
    t.wait_for(r"^hello from the terminal\n(.*\n)?hello from the terminal", what="cat's echo")
    t.keys("C-d")
    t.wait_for(r"Running -> Completed")
    check(t.status() == 0, "cat did not exit 0")
    check("Stopped" not in t.screen(), "something was stopped:\n" + t.screen())


@with_term
def run_ctrl_c_reaches_the_job(t, d):
    t.line(f"{CIMJOB} run -- sh -c 'cat; echo after-$((6*7))'")
    t.wait_for(r"Starting -> Running")
    time.sleep(0.3)
    t.keys("C-c")
    t.wait_for(r"-> (Exception|Terminated)")
    check(t.status() == 130, "Ctrl-C: cimjob run did not exit 130")
    check("after-42" not in t.screen(), "the shell of the job did not get SIGINT")


@with_term
def run_ctrl_z_suspends_the_whole_job_and_fg_resumes(t, d):
    beat = os.path.join(d, "beat")
    # A heartbeat in another session (outside the job's process group), and cat in front.
    t.line(f"{CIMJOB} run -- sh -c 'setsid sh -c \"while :; do echo x >> {beat}; sleep 0.05; "
           f"done\" </dev/null & cat; echo job-done'")
    t.wait_for(r"Starting -> Running")
    deadline = time.monotonic() + 5
    while not os.path.exists(beat) and time.monotonic() < deadline:
        time.sleep(0.05)
    t.keys("C-z")
    t.wait_for(r"-> Suspended", what="the job Suspended")
    t.wait_for(r"Stopped", what="the shell's Stopped report")
    time.sleep(0.3)
    size = os.path.getsize(beat)
    time.sleep(0.6)
    check(os.path.getsize(beat) == size, "the job's process in another session kept running")
    t.line("jobs")
    t.wait_for(r"\[1\]\+\s+Stopped")
    t.line("fg")
    t.wait_for(r"Suspended -> (Starting|Running)", what="the resume")
    time.sleep(0.4)
    check(os.path.getsize(beat) > size, "the job did not resume")
    t.line("typed after fg")
    t.wait_for(r"^typed after fg\n(.*\n)?typed after fg", what="cat's echo after fg")
    t.keys("C-d")
    t.wait_for(r"^job-done")
    t.wait_for(r"Running -> Completed")
    check(t.status() == 0, "the job did not complete after fg")


def run_ctrl_z_without_cgroups():
    """As a user who cannot create cgroups (subreaper containment: the job's main process is
    not cimjob's child, so no SIGCHLD tells it about Ctrl-Z), Ctrl-Z and fg still work."""
    nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups "
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        raise Skip("needs root and setpriv to run as nobody")
    p = subprocess.run(nobody.split() + [CIMJOB, "run", "--events", "json", "--", "true"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30, cwd="/")
    # access() as nobody too: the checkout may sit in a directory only root can enter.
    reach = subprocess.run(nobody.split() + ["sh", "-c", 'test -x "$1"', "sh", CIMJOB],
                           timeout=30, cwd="/")
    if p.returncode != 0 or reach.returncode != 0:
        raise Skip("nobody cannot run this build of cimjob (its directory is private)")
    if b'"Containment":"subreaper"' not in p.stderr:
        raise Skip("nobody does not get subreaper containment here")
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o777)
        t = Term(d, nobody)
        try:
            t.line(f"{CIMJOB} run -- sh -c 'cat; echo done-$((6*7))'")
            t.wait_for(r"Starting -> Running")
            time.sleep(0.3)
            t.keys("C-z")
            t.wait_for(r"-> Suspended", what="the job Suspended")
            t.wait_for(r"Stopped", what="the shell's Stopped report")
            t.line("fg")
            t.wait_for(r"Suspended -> (Starting|Running)", what="the resume")
            time.sleep(0.3)
            t.line("typed after fg")
            t.wait_for(r"^typed after fg\n(.*\n)?typed after fg", what="cat's echo after fg")
            t.keys("C-d")
            t.wait_for(r"^done-42")
            check(t.status() == 0, "the job did not complete after fg")
        finally:
            t.close()


case(run_ctrl_z_without_cgroups)


@with_term
def run_in_the_background_then_fg(t, d):
    # `cimjob run ... &`: the job reading the terminal is stopped (SIGTTIN); `fg` gives the
    # terminal to cimjob, which passes it on to the job.
    t.line(f"{CIMJOB} run -q -- sh -c 'read x; echo got-$x-$((6*7))' &")
    t.wait_for(r"^\[1\] \d+")
    time.sleep(0.5)
    t.line("fg")
    time.sleep(0.5)
    t.line("typed-in-fg")
    t.wait_for(r"^got-typed-in-fg-42", what="the job's answer after fg")
    check(t.status() == 0, "not 0 after fg")


@with_term
def run_vi_edits_a_file(t, d):
    vi = shutil.which("vi") or shutil.which("vim")
    if not vi:
        raise Failure("no vi installed (tools/deps.sh installs vim-tiny)")
    path = os.path.join(d, "edited.txt")
    t.line(f"{CIMJOB} run --quiet -- {vi} -u NONE -N {path}")
    time.sleep(1.0)
    t.keys("i")
    t.keys("-l", "written in vi under cimjob")
    t.keys("Escape")
    time.sleep(0.8)  # vi tells a lone Escape from an escape sequence by a pause
    t.keys("-l", ":wq")
    t.keys("Enter")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(path):
        time.sleep(0.1)
    time.sleep(0.5)
    check(t.status(15) == 0, "vi did not exit 0")
    with open(path) as f:
        check(f.read() == "written in vi under cimjob\n", "the file vi wrote is wrong")


@with_term
def timeout_git_commit_with_vi(t, d):
    """`timeout 60 git commit` at the prompt: git runs vi on the terminal, under both."""
    vi = shutil.which("vi") or shutil.which("vim")
    if not vi or not shutil.which("git"):
        raise Failure("no vi or git installed (tools/deps.sh installs vim-tiny and git)")
    repo = os.path.join(d, "repo")
    git = ["git", "-C", repo, "-c", "user.name=cimjob test", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", repo], check=True, timeout=30)
    for n, prog in enumerate(["/usr/bin/timeout", f"{CIMJOB} timeout"]):
        with open(os.path.join(repo, "f.txt"), "a") as f:
            f.write(f"change {n}\n")
        subprocess.run(git + ["add", "f.txt"], check=True, timeout=30)
        t.line(f"cd {shlex.quote(repo)} && GIT_EDITOR='{vi} -u NONE -N' "
               f"{prog} 60 git -c user.name=t -c user.email=t@example.invalid commit -q")
        t.wait_for(r"^# Please enter the commit message", timeout=15, what=f"{prog}: vi")
        time.sleep(0.5)
        t.keys("g", "g", "O")
        t.keys("-l", f"commit {n} in vi under timeout")
        t.keys("Escape")
        time.sleep(0.8)  # vi tells a lone Escape from an escape sequence by a pause
        t.keys("-l", ":wq")
        t.keys("Enter")
        check(t.status(20) == 0, f"{prog}: git commit did not exit 0")
        log = subprocess.run(git + ["log", "-1", "--format=%s"], stdout=subprocess.PIPE,
                             timeout=30).stdout.decode()
        check(log == f"commit {n} in vi under timeout\n", f"{prog}: the commit is {log!r}")


def ready_cat(t, n):
    """A command line that says when cat is about to run, and the wait for it (a loaded
    machine may take a while to start it: keys sent before would reach the shell instead)."""
    return f"sh -c 'echo ready-$((1000+{n})); exec cat'"


def wait_ready(t, n):
    t.wait_for(rf"^ready-{1000 + n}", what=f"command {n} running")
    time.sleep(0.2)


@with_term
def timeout_at_the_prompt_reads_the_terminal(t, d):
    for n, prog in enumerate(["/usr/bin/timeout", f"{CIMJOB} timeout"]):
        t.line(f"{prog} 20 {ready_cat(t, n)}")
        wait_ready(t, n)
        t.line(f"typed-to-{n}")
        t.wait_for(rf"^typed-to-{n}\n(.*\n)?typed-to-{n}", what=f"{prog}: cat's echo")
        t.keys("C-d")
        check(t.status() == 0, f"{prog}: cat did not exit 0")


@with_term
def timeout_ctrl_c_at_the_prompt(t, d):
    n = 0
    for prog in ["/usr/bin/timeout", f"{CIMJOB} timeout"]:
        for fg in ["", "--foreground "]:
            n += 1
            t.line(f"{prog} {fg}20 {ready_cat(t, n)}")
            wait_ready(t, n)
            t.keys("C-c")
            check(t.status() == 130, f"{prog} {fg}: Ctrl-C did not give 130")


@with_term
def timeout_ctrl_z_and_fg_at_the_prompt(t, d):
    for n, prog in enumerate(["/usr/bin/timeout", f"{CIMJOB} timeout"]):
        t.line(f"{prog} 20 {ready_cat(t, n)}")
        wait_ready(t, n)
        t.keys("C-z")
        t.wait_for(r"\[1\]\+\s+Stopped", what=f"{prog}: Stopped")
        t.line("fg")
        time.sleep(0.5)
        t.line(f"after-fg-{n}")
        t.wait_for(rf"^after-fg-{n}\n(.*\n)?after-fg-{n}", what=f"{prog}: cat's echo")
        t.keys("C-d")
        check(t.status() == 0, f"{prog}: not 0 after fg")
        t.tmux("clear-history")
        t.keys("C-l")
        time.sleep(0.3)


@with_term
def timeout_in_a_script_cannot_take_the_terminal(t, d):
    # Not at the prompt: timeout(1) makes a group of its own, so cat is a background reader
    # (stopped by SIGTTIN) until the deadline. cimjob does the same.
    for n, prog in enumerate(["/usr/bin/timeout", f"{CIMJOB} timeout"]):
        t0 = time.monotonic()
        t.line(f"sh -c '{prog} 1.5 cat; echo script{n}-st=$?'")
        t.wait_for(rf"^script{n}-st=124", timeout=10, what=f"{prog} in a script: 124")
        took = time.monotonic() - t0
        check(1.2 < took < 8, f"{prog} in a script took {took:.1f} s")


@with_term
def timeout_foreground_in_a_script_reads_the_terminal(t, d):
    for n, prog in enumerate(["/usr/bin/timeout", f"{CIMJOB} timeout"]):
        t.line(f"sh -c '{prog} --foreground 20 sh -c \"echo ready-$((1000+{n})); exec cat\"; "
               f"echo script{n}-st=$?'")
        wait_ready(t, n)
        t.line(f"fg-typed-{n}")
        t.wait_for(rf"^fg-typed-{n}\n(.*\n)?fg-typed-{n}", what=f"{prog}: cat's echo")
        t.keys("C-d")
        t.wait_for(rf"^script{n}-st=0")


def main():
    global CIMJOB
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print("1..0 # SKIP the cimjob command was not built")
        return 0
    if not shutil.which("tmux"):
        print("1..0 # SKIP tmux is not installed (tools/deps.sh installs it)")
        return 0
    CIMJOB = os.path.abspath(sys.argv[1])
    return run_cases(CASES, sys.argv[2] if len(sys.argv) > 2 else None)

if __name__ == "__main__":
    sys.exit(main())
