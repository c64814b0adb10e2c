"""The real `cimjob serve` on loopback for the page's tests and its screenshot.

    with Server(cimjob_exe, accounts={"alice": ("Operator", "pw")}) as s:
        s.start_job("alice", ["sleep", "60"], name="build")
        s.get("alice", "/redfish/v1/TaskService/Tasks")

Accounts are made with `cimjob account add`; the server listens on 127.0.0.1, port 0 (it prints
the one it got). Requests use HTTP Basic. stop() sends SIGTERM (the server ends its jobs) and
waits; SIGKILL by PID if it does not go.
"""
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


class ServerError(Exception):
    pass


class Server:
    def __init__(self, exe, accounts, extra_args=()):
        self.exe = exe
        self.accounts = accounts  # name -> (role, password)
        self.extra_args = list(extra_args)
        self.dir = None
        self.proc = None
        self.base = None
        self.stderr_lines = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=30):
        self.dir = tempfile.mkdtemp(prefix="cimjob-ui-")
        path = os.path.join(self.dir, "accounts")
        for name, (role, password) in self.accounts.items():
            r = subprocess.run([self.exe, "account", "add", "--accounts", path, "--role", role, name],
                               input=password + "\n", text=True, capture_output=True, timeout=60)
            if r.returncode != 0:
                raise ServerError(f"cimjob account add {name}: {r.returncode} {r.stderr.strip()}")
        env = dict(os.environ)
        env.pop("CIMJOB_ACCOUNTS", None)
        self.proc = subprocess.Popen(
            [self.exe, "serve", "--listen", "127.0.0.1:0", "--accounts", path, *self.extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        got = []

        def read_first_line():
            got.append(self.proc.stdout.readline())

        t = threading.Thread(target=read_first_line, daemon=True)
        t.start()
        t.join(timeout)
        line = got[0] if got else ""
        m = re.search(r"(https?://[^/\s]+)/", line)
        if not m:
            self.stop()
            raise ServerError(f"cimjob serve did not say where it listens: {line!r} "
                              f"{''.join(self.stderr_lines[-5:])}")
        self.base = m.group(1)
        threading.Thread(target=self._drain_stdout, daemon=True).start()

    def _drain_stdout(self):
        for _ in self.proc.stdout:
            pass

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)
            del self.stderr_lines[:-200]

    def stop(self):
        """SIGTERM, then wait (SIGKILL after 30 s). The exit status; None if it had to be killed."""
        status = None
        if self.proc:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    status = self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            else:
                status = self.proc.returncode
            self.proc = None
            time.sleep(0.2)  # the stderr reader takes the last lines
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        return status

    # ---- requests ------------------------------------------------------------------------------
    def request(self, user, method, path, body=None, headers=None, timeout=30):
        """(status, headers, JSON or text or None) of one request, as `user` (None: no auth)."""
        h = {"Accept": "application/json"}
        if user:
            pw = self.accounts[user][1]
            h["Authorization"] = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, rh, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, rh, raw = e.code, e.headers, e.read()
        text = raw.decode("utf-8", "replace")
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = text
        return status, rh, doc

    def get(self, user, path):
        status, _, doc = self.request(user, "GET", path)
        if status != 200:
            raise ServerError(f"GET {path} as {user}: {status} {doc}")
        return doc

    def tasks(self, user):
        """{Id: Task document} of every Task `user` sees in the collection."""
        coll = self.get(user, "/redfish/v1/TaskService/Tasks")
        out = {}
        for m in coll.get("Members", []):
            t = self.get(user, m["@odata.id"])
            out[t["Id"]] = t
        return out

    def start_job(self, user, argv, name=None, **extra):
        body = {"CommandLine": list(argv)}
        if name:
            body["Name"] = name
        body.update(extra)
        status, h, doc = self.request(user, "POST", "/redfish/v1/TaskService/Actions/Oem/CimJob.Start", body)
        if status != 202:
            raise ServerError(f"start {argv} as {user}: {status} {doc}")
        return doc["Id"]

    def task(self, user, tid):
        return self.get(user, f"/redfish/v1/TaskService/Tasks/{tid}")

    def wait_state(self, user, tid, states, timeout=30):
        deadline = time.monotonic() + timeout
        t = None
        while time.monotonic() < deadline:
            t = self.task(user, tid)
            if t["TaskState"] in states:
                return t
            time.sleep(0.1)
        raise ServerError(f"task {tid} is {t and t['TaskState']}, not {states} after {timeout} s")

    def action(self, user, tid, name, body=None):
        return self.request(user, "POST", f"/redfish/v1/TaskService/Tasks/{tid}/Actions/Oem/CimJob.{name}",
                            body or {})
