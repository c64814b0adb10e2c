#!/usr/bin/python3
"""The suite of `cimjob serve` as a Redfish service (suite 'redfish'), speaking TAP.

    test_redfish.py PATH/TO/cimjob SHARED_DIR [NAME-FILTER]

It starts the real server on 127.0.0.1 with an ephemeral port (and a second one with TLS),
drives it with the real Debian clients (redfishtool, python3-sushy) and with plain HTTP
(python3-requests), checks every document it receives against DMTF's JSON Schemas and message
registries (rfcheck.py; zero findings), and proves nothing is left: every process the server
started carries a tag in its environment, and none may be left after a case or at shutdown.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests
import urllib3

import rfcheck

CIMJOB = None
CHECK = None
CASES = []
TMP = None
SRV = None  # the main server
TLS = None  # the TLS server
ACCOUNTS = {"admin": ("Administrator", "admin-pw"), "alice": ("Operator", "alice-pw"),
            "bob": ("Operator", "bob-pw"), "reader": ("ReadOnly", "reader-pw")}
START = "/redfish/v1/TaskService/Actions/Oem/CimJob.Start"
TASKS = "/redfish/v1/TaskService/Tasks"
HTTP_TIMEOUT = 20

urllib3.disable_warnings()


def case(fn):
    CASES.append(fn)
    return fn


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


# ---- the server -------------------------------------------------------------------------------

class Server:
    def __init__(self, name, extra=(), tls=False, accounts=None, env_extra=None):
        self.tag = "CIMJOB_REDFISH_TEST_TAG=" + uuid.uuid4().hex
        env = dict(os.environ)
        env.update(env_extra or {})
        k, v = self.tag.split("=", 1)
        env[k] = v
        args = [CIMJOB, "serve", "--listen", "127.0.0.1:0", "--accounts",
                accounts or os.path.join(TMP, "accounts"), "--terminate-timeout", "2",
                "--shutdown-grace", "2", "--max-body", "65536", "--idle-timeout", "5",
                "--max-connections", "48"] + list(extra)
        if tls:
            args += ["--cert", os.path.join(TMP, "cert.pem"), "--key",
                     os.path.join(TMP, "key.pem")]
        self.err = open(os.path.join(TMP, name + ".log"), "w+")
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=self.err, env=env)
        line = self.p.stdout.readline().decode()
        if "listening on " not in line:
            self.p.kill()
            self.p.wait()
            self.err.seek(0)
            raise Failure(f"cimjob serve did not start: {line!r} {self.err.read()}")
        self.base = line.split("listening on ", 1)[1].strip().rsplit("/redfish/v1/", 1)[0]
        self.host = self.base.split("://", 1)[1]
        self.port = int(self.host.rsplit(":", 1)[1])
        self.verify = os.path.join(TMP, "cert.pem") if tls else True

    def url(self, path):
        return self.base + path

    def stop(self, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise Failure("cimjob serve did not stop within 30 s of SIGTERM")
        return self.p.returncode

    def fds(self):
        return len(os.listdir(f"/proc/{self.p.pid}/fd"))


def tagged(tag):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in (os.getpid(),):
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue  # a zombie is gone already, its parent reaps it
        except OSError:
            continue
        if tag.encode() in env:
            found.append(int(pid))
    return found


def job_processes(srv):
    """Processes of the jobs of a server (the tag minus the server itself)."""
    return [p for p in tagged(srv.tag) if p != srv.p.pid]


# ---- HTTP with every answer checked ----------------------------------------------------------

def api(method, path, user="alice", srv=None, body=None, raw=None, headers=None, token=None,
        expect=None):
    """One request; every JSON answer is checked against the registries, and every GET of a
    resource against its schema. Returns the response (r.doc: its JSON or None)."""
    srv = srv or SRV
    auth = None
    h = dict(headers or {})
    if token:
        h["X-Auth-Token"] = token
    elif user:
        auth = (user, ACCOUNTS[user][1])
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    r = requests.request(method, srv.url(path), auth=auth, data=data, headers=h,
                         timeout=HTTP_TIMEOUT, verify=srv.verify)
    r.doc = None
    if r.headers.get("Content-Type", "").startswith("application/json"):
        try:
            r.doc = r.json()
        except ValueError:
            rfcheck.FINDINGS.append(f"{method} {path}: a JSON Content-Type with a body that "
                                    f"is not JSON")
    if r.doc is not None:
        CHECK.messages_in(f"{method} {path}", r.doc)
        if method == "GET" and r.status_code == 200 and "@odata.type" in r.doc:
            if "/TaskMonitors/" in path:  # a monitor's final answer is the Task itself
                CHECK.schema(path, r.doc)
            elif r.doc["@odata.type"].startswith("#MessageRegistry."):
                pass  # a registry is no resource: CHECK.registry (load_registries) checks it
            else:
                CHECK.resource(path.split("?")[0], r.doc)
    if r.status_code >= 400 and path.startswith("/redfish/v1"):
        if not (r.doc and "error" in r.doc and r.doc["error"].get("@Message.ExtendedInfo")):
            rfcheck.FINDINGS.append(f"{method} {path}: {r.status_code} without a Redfish error")
    if expect is not None:
        check(r.status_code == expect,
              f"{method} {path}: {r.status_code} (expected {expect}): {r.text[:400]}")
    return r


def error_id(r):
    return r.doc["error"]["@Message.ExtendedInfo"][0]["MessageId"]


def return_value(r):
    info = r.doc["error"]["@Message.ExtendedInfo"] if "error" in r.doc else \
        r.doc["@Message.ExtendedInfo"]
    return info[0]["Oem"]["CimJob"]["ReturnValue"]


def start(cmd, user="alice", srv=None, **params):
    body = {"CommandLine": cmd}
    body.update(params)
    r = api("POST", START, user, srv, body=body, expect=202)
    loc = r.headers.get("Location", "")
    check(loc.startswith("/redfish/v1/TaskService/TaskMonitors/"), f"Location {loc!r}")
    return loc.rsplit("/", 1)[1], r


def task(tid, user="alice", srv=None):
    return api("GET", f"{TASKS}/{tid}", user, srv, expect=200).doc


def wait_state(tid, states, user="alice", srv=None, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        t = task(tid, user, srv)
        if t["TaskState"] in states:
            return t
        if time.monotonic() > deadline:
            raise Failure(f"task {tid} stayed {t['TaskState']} (waiting for {states})")
        time.sleep(0.05)


def redfishtool(*args, user="alice", srv=None, session=False):
    srv = srv or SRV
    cmd = ["redfishtool", "-r", srv.host, "-u", user, "-p", ACCOUNTS[user][1], "-S",
           "Always" if srv is TLS else "Never", "-T", "15"]
    if session:
        cmd += ["-A", "Session"]
    p = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def sushy_root(user="alice", srv=None, session=False):
    import sushy
    srv = srv or SRV
    a = (sushy.auth.SessionAuth if session else sushy.auth.BasicAuth)(
        username=user, password=ACCOUNTS[user][1])
    return sushy.Sushy(srv.url("/redfish/v1/"), auth=a, verify=srv.verify)


# ---- cases: the service root and the public documents -----------------------------------------

@case
def public_documents_need_no_account():
    r = api("GET", "/redfish", None, expect=200)
    check(r.doc == {"v1": "/redfish/v1/"}, f"/redfish: {r.doc}")
    root = api("GET", "/redfish/v1/", None, expect=200).doc
    check(root["Links"]["Sessions"]["@odata.id"] == "/redfish/v1/SessionService/Sessions",
          "Links.Sessions")
    check(root["Tasks"]["@odata.id"] == "/redfish/v1/TaskService", "Tasks link")
    api("GET", "/redfish/v1", None, expect=200)
    r = api("GET", "/redfish/v1/$metadata", None, expect=200)
    check(r.headers["Content-Type"].startswith("application/xml") and "<edmx:Edmx" in r.text,
          "$metadata is not CSDL")
    import xml.dom.minidom
    xml.dom.minidom.parseString(r.content)  # well-formed
    r = api("GET", "/redfish/v1/odata", None, expect=200)
    check(any(v["url"] == "/redfish/v1/" for v in r.doc["value"]), "odata: no service root")
    check(r.headers.get("OData-Version") == "4.0", "OData-Version header")


@case
def no_credentials_401_wrong_password_401():
    for path in ("/redfish/v1/TaskService", TASKS, "/redfish/v1/SessionService",
                 "/redfish/v1/EventService", "/redfish/v1/SessionService/Sessions"):
        r = api("GET", path, None, expect=401)
        check(error_id(r) == "Base.1.22.NoValidSession", f"{path}: {error_id(r)}")
        check(r.headers.get("WWW-Authenticate", "").startswith("Basic"), "WWW-Authenticate")
    r = requests.get(SRV.url(TASKS), auth=("alice", "wrong"), timeout=HTTP_TIMEOUT)
    check(r.status_code == 401, f"wrong password: {r.status_code}")
    r = requests.get(SRV.url(TASKS), auth=("nobody", "x"), timeout=HTTP_TIMEOUT)
    check(r.status_code == 401, f"unknown account: {r.status_code}")
    r = requests.post(SRV.url(START), json={"CommandLine": ["true"]}, timeout=HTTP_TIMEOUT)
    check(r.status_code == 401, f"start without credentials: {r.status_code}")


@case
def unknown_path_404_wrong_method_405():
    for path in ("/nowhere", "/redfish/v2/", "/redfish/v1/Systems", f"{TASKS}/999999",
                 "/redfish/v1/TaskService/TaskMonitors/424242", f"{TASKS}/1/Actions/Oem/Nope"):
        r = requests.get(SRV.url(path), auth=("alice", "alice-pw"), timeout=HTTP_TIMEOUT)
        check(r.status_code == 404, f"{path}: {r.status_code}")
    r = api("GET", TASKS + "?$filter=Id", "alice", expect=501)
    check(error_id(r) == "Base.1.22.QueryNotSupported", error_id(r))
    api("GET", TASKS + "?page=2", "alice", expect=200)  # not an OData option: ignored
    for method, path, allow in (("POST", TASKS, "GET, HEAD"),
                                ("PUT", "/redfish/v1/TaskService", "GET, HEAD, PATCH"),
                                ("DELETE", "/redfish/v1/", "GET, HEAD"),
                                ("GET", START, "POST")):
        r = api(method, path, "admin", body={} if method in ("POST", "PUT") else None,
                expect=405)
        check(r.headers.get("Allow") == allow, f"{method} {path}: Allow {r.headers.get('Allow')}")
        check(error_id(r) == "Base.1.22.OperationNotAllowed", error_id(r))


@case
def malformed_json_unknown_property_wrong_type_400():
    r = api("POST", START, raw='{"CommandLine": ["true"', expect=400)
    check(error_id(r) == "Base.1.22.MalformedJSON", error_id(r))
    r = api("POST", START, raw='[1, 2]', expect=400)
    r = api("POST", START, body={"CommandLine": ["true"], "Colour": "red"}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterUnknown", error_id(r))
    r = api("POST", START, body={"Name": "x"}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterMissing", error_id(r))
    r = api("POST", START, body={"CommandLine": "true"}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterValueTypeError", error_id(r))
    r = api("POST", START, body={"CommandLine": ["true"], "TimeoutPeriod": "soon"}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterValueFormatError", error_id(r))
    r = api("PATCH", "/redfish/v1/TaskService", "admin", body={"Colour": 1}, expect=400)
    check(error_id(r) == "Base.1.22.PropertyUnknown", error_id(r))
    r = api("PATCH", "/redfish/v1/TaskService", "admin",
            body={"TaskAutoDeleteTimeoutMinutes": "ten"}, expect=400)
    check(error_id(r) == "Base.1.22.PropertyValueTypeError", error_id(r))
    r = api("PATCH", "/redfish/v1/TaskService", "admin", body={"ServiceEnabled": False},
            expect=400)
    check(error_id(r) == "Base.1.22.PropertyNotWritable", error_id(r))
    r = api("PATCH", "/redfish/v1/TaskService", "admin", body={"TaskAutoDeleteTimeoutMinutes": 5},
            expect=200)
    check(r.doc["TaskAutoDeleteTimeoutMinutes"] == 5, "PATCH not applied")
    api("PATCH", "/redfish/v1/TaskService", "alice", body={"TaskAutoDeleteTimeoutMinutes": 5},
        expect=403)
    check(SRV.p.poll() is None, "the server died")


@case
def body_too_large_413():
    big = json.dumps({"CommandLine": ["true"], "Name": "x" * 70000})
    r = requests.post(SRV.url(START), data=big, auth=("alice", "alice-pw"),
                      headers={"Content-Type": "application/json"}, timeout=HTTP_TIMEOUT)
    check(r.status_code == 413, f"Content-Length too large: {r.status_code}")
    check(r.json()["error"]["@Message.ExtendedInfo"][0]["MessageId"] ==
          "Base.1.22.PayloadTooLarge", r.text[:200])

    def chunks():
        for _ in range(80):
            yield b"x" * 1024
    r = requests.post(SRV.url(START), data=chunks(), auth=("alice", "alice-pw"),
                      timeout=HTTP_TIMEOUT)
    check(r.status_code == 413, f"chunked body too large: {r.status_code}")
    # A header block larger than the connection's memory: refused, and the server lives on.
    s = socket.create_connection(("127.0.0.1", int(SRV.host.rsplit(":", 1)[1])), timeout=10)
    s.sendall(b"GET /redfish/v1/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
    try:
        head = s.recv(100)
    except OSError:
        head = b""
    s.close()
    check(head.split(b" ")[1:2] == [b"431"],
          f"huge header: {head!r}")
    api("GET", "/redfish/v1/", None, expect=200)


@case
def idle_connection_closed():
    s = socket.create_connection(("127.0.0.1", int(SRV.host.rsplit(":", 1)[1])), timeout=15)
    t0 = time.monotonic()
    try:
        data = s.recv(10)
    except socket.timeout:
        data = None
    s.close()
    check(data == b"", f"an idle connection was not closed (got {data!r})")
    check(time.monotonic() - t0 < 12, "closed too late")


@case
def answer_after_idle_timeout_is_sent():
    # A handler slower than the idle timeout (a start under heavy load) still answers on the
    # same keep-alive connection: libmicrohttpd must not close it as idle with the job created
    # and no answer sent ("Remote end closed connection without response").
    srv = Server("slow", extra=["--idle-timeout", "1"],
                 env_extra={"CIMJOB_SERVE_TEST_SLOW_MS": "2500"})
    try:
        with requests.Session() as s:
            s.auth = ("alice", ACCOUNTS["alice"][1])
            r = s.get(srv.url(TASKS), timeout=HTTP_TIMEOUT)
            check(r.status_code == 200, f"GET {TASKS}: {r.status_code}")
            before = r.json()["Members@odata.count"]
            r = s.post(srv.url(START), json={"CommandLine": ["true"]}, timeout=HTTP_TIMEOUT)
            check(r.status_code == 202, f"a slow start: {r.status_code} {r.text[:200]}")
        after = api("GET", TASKS, "alice", srv, expect=200).doc["Members@odata.count"]
        check(after == before + 1, f"{after - before} jobs created by one start")
    finally:
        srv.stop()


# ---- cases: tasks ------------------------------------------------------------------------------

@case
def start_answers_202_monitor_retry_after_allow():
    tid, r = start(["sleep", "3"], Name="nap")
    check(r.status_code == 202, "status")
    ra = r.headers.get("Retry-After", "")
    import email.utils
    check(email.utils.parsedate_to_datetime(ra) is not None and ra.endswith(" GMT"),
          f"Retry-After is not an HTTP-date: {ra!r}")
    check(r.headers.get("Allow") == "DELETE", f"Allow {r.headers.get('Allow')!r}")
    check(r.doc["Id"] == tid and r.doc["Name"] == "nap", "202 body is not the Task")
    check("@odata.id" not in r.doc, "202 body must not name the Task (sushy polls @odata.id)")
    mon = r.headers["Location"]
    m = api("GET", mon, expect=202)
    check(m.doc["TaskState"] == "Running", f"monitor: {m.doc['TaskState']}")
    deadline = time.monotonic() + 20
    while m.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.1)
        m = api("GET", mon)
    check(m.status_code == 200, f"monitor ended with {m.status_code}")
    t = m.doc
    check(t["TaskState"] == "Completed" and t["TaskStatus"] == "OK", f"{t['TaskState']}")
    check(t["PercentComplete"] == 100 and "EndTime" in t and "StartTime" in t, "times")
    check(t["Messages"][0]["MessageId"] == "TaskEvent.1.0.TaskCompletedOK", "Messages")
    check(t["Oem"]["CimJob"]["InstanceID"] == f"cimjob:{tid}", "InstanceID")
    check(t["Oem"]["CimJob"]["Owner"] == "alice", "Owner")
    check(t["Oem"]["CimJob"]["JobState"] == "Completed", "JobState")


@case
def exception_is_critical_with_messages():
    tid, _ = start(["sh", "-c", "exit 3"])
    t = wait_state(tid, ["Exception"])
    check(t["TaskStatus"] == "Critical", t["TaskStatus"])
    check(t["Oem"]["CimJob"]["ErrorCode"] == 3, f"ErrorCode {t['Oem']['CimJob']['ErrorCode']}")
    check(t["Messages"][0]["MessageId"] == "TaskEvent.1.0.TaskAborted", "Messages")
    check(t["Messages"][0]["Oem"]["CimJob"]["ErrorCode"] == 3, "the message carries ErrorCode")
    # The job's CIM_Error (GetErrors) as a message of our own registry, arguments and all.
    cim = [m for m in t["Messages"] if m["MessageId"].startswith("CimJob.1.0.")]
    check([m["MessageId"] for m in cim] == ["CimJob.1.0.JobExitStatus"], f"errors: {cim}")
    check(cim[0]["MessageArgs"] == ["3"] and cim[0]["MessageSeverity"] == "Critical" and
          cim[0]["Oem"]["CimJob"]["MessageID"] == "CIMJOB0001", f"the error: {cim[0]}")
    tid, _ = start(["/nonexistent/command"])
    t = wait_state(tid, ["Exception"])
    check(t["Oem"]["CimJob"]["ErrorCode"] == 127, f"not found: {t['Oem']['CimJob']}")
    ids = [m["MessageId"] for m in t["Messages"]]
    check("CimJob.1.0.CommandNotFound" in ids, f"not found: {ids}")


@case
def delete_running_is_terminate_then_remove():
    tid, _ = start(["sleep", "60"])
    r = api("DELETE", f"{TASKS}/{tid}", expect=202)
    check(r.headers.get("Location", "").endswith(f"/TaskMonitors/{tid}"), "Location")
    t = wait_state(tid, ["Cancelled"])
    check(t["TaskStatus"] == "Warning", t["TaskStatus"])
    check(t["Oem"]["CimJob"]["JobState"] == "Terminated", t["Oem"]["CimJob"]["JobState"])
    check(t["Messages"][0]["MessageId"] == "TaskEvent.1.0.TaskCancelled", "Messages")
    check(api("GET", f"{TASKS}/{tid}").headers.get("Allow") == "GET, HEAD, PATCH, DELETE", "Allow")
    check(api("GET", TASKS).headers.get("Allow") == "GET, HEAD", "Allow of the collection")
    api("DELETE", f"{TASKS}/{tid}", expect=200)
    api("GET", f"{TASKS}/{tid}", expect=404)
    api("GET", f"/redfish/v1/TaskService/TaskMonitors/{tid}", expect=404)


@case
def cancelling_while_terminate_waits_then_killed():
    # The job ignores SIGTERM. A Terminate with a 30 s TimeoutPeriod keeps it Shutting Down:
    # Cancelling (a cancel caused it), not Stopping; a Kill then ends it.
    tid, _ = start(["sh", "-c", "trap '' TERM; sleep 60"])
    time.sleep(0.3)
    base = f"{TASKS}/{tid}/Actions/Oem/CimJob."
    r = api("POST", base + "RequestStateChange",
            body={"RequestedState": "Terminate", "TimeoutPeriod": "PT30S"}, expect=202)
    check(return_value(r) == 4096, f"Terminate: {return_value(r)}")
    t = task(tid)
    check(t["TaskState"] == "Cancelling", t["TaskState"])
    check(t["Oem"]["CimJob"]["JobState"] == "Shutting Down", t["Oem"]["CimJob"]["JobState"])
    r = api("POST", base + "Suspend", expect=409)
    check(return_value(r) == 4099, f"Suspend while Shutting Down: {return_value(r)}")
    api("DELETE", f"{TASKS}/{tid}", expect=202)  # already cancelling: accepted
    r = api("POST", base + "Kill", body={"DeleteOnKill": False})
    check(r.status_code in (200, 202), f"Kill: {r.status_code} {r.text[:200]}")
    t = wait_state(tid, ["Cancelled"], timeout=20)
    check(t["Oem"]["CimJob"]["JobState"] == "Killed", t["Oem"]["CimJob"]["JobState"])
    # DELETE escalates on its own after the service's TimeoutPeriod (--terminate-timeout 2).
    tid, _ = start(["sh", "-c", "trap '' TERM; sleep 60"])
    time.sleep(0.3)
    api("DELETE", f"/redfish/v1/TaskService/TaskMonitors/{tid}", expect=202)
    t = wait_state(tid, ["Cancelled"], timeout=30)
    check(t["Oem"]["CimJob"]["JobState"] == "Terminated", t["Oem"]["CimJob"]["JobState"])


@case
def timeout_period_of_the_start_action():
    tid, _ = start(["sleep", "60"], TimeoutPeriod="PT1S")
    t = wait_state(tid, ["Cancelled"], timeout=20)
    check(t["Oem"]["CimJob"]["JobState"] == "Terminated", t["Oem"]["CimJob"]["JobState"])


@case
def oem_actions_carry_cim_codes():
    tid, _ = start(["sleep", "60"])
    base = f"{TASKS}/{tid}/Actions/Oem/CimJob."
    r = api("POST", base + "Suspend", body={}, expect=200)
    check(return_value(r) == 0, f"Suspend: {return_value(r)}")
    check(task(tid)["TaskState"] == "Suspended", "not Suspended")
    r = api("POST", base + "Resume", expect=200)
    check(return_value(r) == 0, f"Resume: {return_value(r)}")
    check(task(tid)["TaskState"] == "Running", "not Running")
    r = api("POST", base + "RequestStateChange", body={"RequestedState": "Bogus"}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterValueNotInList", error_id(r))
    r = api("POST", base + "RequestStateChange", body={"RequestedState": 7}, expect=400)
    check(return_value(r) == 5, f"reserved RequestedState: {return_value(r)}")
    r = api("POST", base + "RequestStateChange", body={}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterMissing", error_id(r))
    r = api("POST", base + "Suspend", body={"Now": True}, expect=400)
    check(error_id(r) == "Base.1.22.ActionParameterUnknown", error_id(r))
    r = api("POST", base + "RequestStateChange",
            body={"RequestedState": 4, "TimeoutPeriod": "PT5S"})
    check(r.status_code in (200, 202), f"Terminate: {r.status_code} {r.text[:200]}")
    check(return_value(r) in (0, 4096), f"Terminate: {return_value(r)}")
    wait_state(tid, ["Cancelled"])
    r = api("POST", base + "RequestStateChange", body={"RequestedState": "Start"}, expect=409)
    check(return_value(r) == 4097, f"Start on a finished task: {return_value(r)}")
    tid, _ = start(["sleep", "60"])
    r = api("POST", f"{TASKS}/{tid}/Actions/Oem/CimJob.Kill", body={"DeleteOnKill": False})
    check(r.status_code in (200, 202) and return_value(r) in (0, 32770),
          f"Kill: {r.status_code} {r.text[:200]}")
    t = wait_state(tid, ["Cancelled"])
    check(t["Oem"]["CimJob"]["JobState"] == "Killed", t["Oem"]["CimJob"]["JobState"])
    r = api("POST", f"{TASKS}/{tid}/Actions/Oem/CimJob.Kill", expect=409)
    check(return_value(r) == 32769, f"Kill on a finished task: {return_value(r)}")


@case
def second_account_403_readonly_403_admin_allowed():
    tid, _ = start(["sleep", "60"], user="alice")
    for method, path, body in (("GET", f"{TASKS}/{tid}", None),
                               ("DELETE", f"{TASKS}/{tid}", None),
                               ("GET", f"/redfish/v1/TaskService/TaskMonitors/{tid}", None),
                               ("POST", f"{TASKS}/{tid}/Actions/Oem/CimJob.Suspend", {})):
        r = api(method, path, "bob", body=body, expect=403)
        check(error_id(r) == "Base.1.22.InsufficientPrivilege", error_id(r))
    members = [m["@odata.id"] for m in api("GET", TASKS, "bob", expect=200).doc["Members"]]
    check(f"{TASKS}/{tid}" not in members, "bob sees alice's task in the collection")
    r = api("POST", START, "reader", body={"CommandLine": ["true"]}, expect=403)
    api("GET", f"{TASKS}/{tid}", "admin", expect=200)
    check(task(tid)["TaskState"] == "Running", "a refused request changed the task")
    api("DELETE", f"{TASKS}/{tid}", "admin", expect=202)
    wait_state(tid, ["Cancelled"])


@case
def sessions_x_auth_token_and_logout():
    r = api("POST", "/redfish/v1/SessionService/Sessions", None,
            body={"UserName": "bob", "Password": "bob-pw"}, expect=201)
    token = r.headers.get("X-Auth-Token", "")
    loc = r.headers.get("Location", "")
    check(len(token) == 32 and loc.startswith("/redfish/v1/SessionService/Sessions/"),
          f"token {token!r} location {loc!r}")
    check("Token" not in r.doc and "Password" not in r.doc, "the session shows a secret")
    api("GET", TASKS, None, token=token, expect=200)
    tid, _ = start(["true"], user="alice")
    api("GET", f"{TASKS}/{tid}", None, token=token, expect=403)
    r = api("GET", loc, None, token=token, expect=200)
    check(r.doc.get("Roles") == [ACCOUNTS["bob"][0]], f"bob's session Roles {r.doc.get('Roles')}")
    api("GET", loc, "alice", expect=403)
    r = api("POST", "/redfish/v1/SessionService/Sessions", None,
            body={"UserName": "bob", "Password": "nope"}, expect=401)
    r = api("POST", "/redfish/v1/SessionService/Sessions", None,
            body={"UserName": "bob", "Pass": "x"}, expect=400)
    check(error_id(r) == "Base.1.22.PropertyUnknown", error_id(r))
    api("DELETE", loc, None, token=token, expect=200)
    api("GET", TASKS, None, token=token, expect=401)
    r = api("POST", "/redfish/v1/SessionService/Sessions", None,
            body={"UserName": "reader", "Password": "reader-pw"}, expect=201)
    check(r.doc.get("Roles") == ["ReadOnly"], f"reader's session Roles {r.doc.get('Roles')}")
    api("DELETE", r.headers["Location"], None, token=r.headers["X-Auth-Token"], expect=200)
    api("GET", TASKS, None, token="0" * 32, expect=401)


@case
def server_sent_events_task_messages():
    got = {"alice": [], "bob": []}
    stop = threading.Event()
    ready = threading.Barrier(3, timeout=20)

    def listen(user):
        try:
            stream(user)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError):
            if not stop.is_set():
                got[user].append({"error": "the stream broke"})

    def stream(user):
        with requests.get(SRV.url("/redfish/v1/EventService/SSE"),
                          auth=(user, ACCOUNTS[user][1]), stream=True,
                          timeout=HTTP_TIMEOUT) as r:
            check(r.status_code == 200, f"SSE: {r.status_code}")
            check(r.headers["Content-Type"].startswith("text/event-stream"), "Content-Type")
            ready.wait()
            for line in r.iter_lines():
                if stop.is_set():
                    break
                if line.startswith(b"data: "):
                    got[user].append(json.loads(line[6:]))

    threads = [threading.Thread(target=listen, args=(u,), daemon=True) for u in ("alice", "bob")]
    for t in threads:
        t.start()
    ready.wait()
    time.sleep(0.2)
    tid, _ = start(["sleep", "0.2"], user="alice")
    btid, _ = start(["sh", "-c", "exit 1"], user="bob")
    wait_state(tid, ["Completed"])
    deadline = time.monotonic() + 15

    def ids(user):
        return [(e["Events"][0]["MessageId"].rsplit(".", 1)[1],
                 e["Events"][0]["OriginOfCondition"]["@odata.id"].rsplit("/", 1)[1])
                for e in got[user]]
    while time.monotonic() < deadline and ("TaskCompletedOK", tid) not in ids("alice"):
        time.sleep(0.1)
    # The lifecycle indications: creation, a writable property's change, one removal.
    api("PATCH", f"{TASKS}/{tid}", body={"Oem": {"CimJob": {"TimeBeforeRemoval": "PT1H"}}},
        expect=200)
    api("DELETE", f"{TASKS}/{tid}", expect=200)
    while time.monotonic() < deadline and ("TaskRemoved", tid) not in ids("alice"):
        time.sleep(0.1)
    time.sleep(1.2)  # a tick: a second TaskRemoved would come now
    stop.set()
    check(("TaskStarted", tid) in ids("alice"), f"alice: {ids('alice')}")
    check(("ResourceCreated", tid) in ids("alice"), f"alice: {ids('alice')}")
    check(("ResourceChanged", tid) in ids("alice"), f"alice: {ids('alice')}")
    check(ids("alice").count(("TaskRemoved", tid)) == 1, f"alice: {ids('alice')}")
    check(ids("alice").index(("ResourceCreated", tid)) < ids("alice").index(("TaskStarted", tid)),
          f"creation after the start: {ids('alice')}")
    check(("TaskCompletedOK", tid) in ids("alice"), f"alice: {ids('alice')}")
    check(all(a != btid for _, a in ids("alice")), "alice sees bob's events")
    check(all(a != tid for _, a in ids("bob")), "bob sees alice's events")
    for e in got["alice"] + got["bob"]:
        CHECK.schema("SSE event", e)
        CHECK.messages_in("SSE event", e)
    # Let the streams end: a new event makes the readers look at `stop`.
    start(["true"], user="alice")
    start(["true"], user="bob")
    for t in threads:
        t.join(timeout=10)


# ---- cases: the real clients --------------------------------------------------------------------

@case
def tasks_collection_expand():
    # $expand=. / * / .($levels=1): the Members are the Tasks themselves, each as a GET of it
    # answers; other expansions and other query options answer 501 QueryNotSupported.
    feat = api("GET", "/redfish/v1/", None, expect=200).doc["ProtocolFeaturesSupported"]
    check(feat["ExpandQuery"] == {"ExpandAll": True, "NoLinks": True, "Links": False,
                                  "Levels": True, "MaxLevels": 1}, f"ExpandQuery {feat}")
    tid, _ = start(["true"], user="alice")
    wait_state(tid, ["Completed"])
    plain = api("GET", TASKS, "alice", expect=200).doc
    for q in ("$expand=.", "$expand=*", "$expand=.($levels=1)"):
        r = api("GET", f"{TASKS}?{q}", "alice", expect=200)
        mem = r.doc["Members"]
        check(r.doc["Members@odata.count"] == len(mem) == plain["Members@odata.count"],
              f"{q}: {len(mem)} members, {plain['Members@odata.count']} without $expand")
        check([m["@odata.id"] for m in mem] == [m["@odata.id"] for m in plain["Members"]],
              f"{q}: other members than without $expand")
        for m in mem:
            CHECK.resource(m["@odata.id"], m)
        mine = [m for m in mem if m["Id"] == tid]
        check(len(mine) == 1 and mine[0] == task(tid), f"{q}: the expanded Task differs")
    admin = api("GET", f"{TASKS}?$expand=*", "admin", expect=200).doc
    check(admin["Members@odata.count"] == api("GET", TASKS, "admin").doc["Members@odata.count"],
          "admin's expanded count")
    for q in ("$expand=~", "$expand=.($levels=2)", "$top=1", "$expand=.&$top=1"):
        r = api("GET", f"{TASKS}?{q}", "alice", expect=501)
        check(error_id(r) == "Base.1.22.QueryNotSupported", f"{q}: {error_id(r)}")
    api("GET", "/redfish/v1/TaskService?$expand=.", "alice", expect=501)


@case
def quiet_event_stream_outlives_idle_timeout():
    # --idle-timeout 5: a stream with no event for 7 s stays open (comment lines keep it).
    with requests.get(SRV.url("/redfish/v1/EventService/SSE"), auth=("bob", "bob-pw"),
                      stream=True, timeout=HTTP_TIMEOUT) as r:
        check(r.status_code == 200, f"SSE: {r.status_code}")
        t0 = time.monotonic()
        comments = 0
        for line in r.iter_lines():
            if line.startswith(b":"):
                comments += 1
            if time.monotonic() - t0 > 7:
                break
        check(time.monotonic() - t0 > 7, "the stream ended early")
        check(comments >= 2, f"{comments} keep-alive comments in 7 s")


@case
def delete_all_completed_head_and_settings():
    done, _ = start(["true"], user="bob")
    running, _ = start(["sleep", "60"], user="bob")
    other, _ = start(["true"], user="alice")
    wait_state(done, ["Completed"], user="bob")
    wait_state(other, ["Completed"])
    api("POST", "/redfish/v1/TaskService/Actions/TaskService.DeleteAllCompletedTasks", "bob",
        body={}, expect=200)
    api("GET", f"{TASKS}/{done}", "bob", expect=404)
    api("GET", f"{TASKS}/{running}", "bob", expect=200)
    api("GET", f"{TASKS}/{other}", "alice", expect=200)  # not bob's to remove
    r = requests.head(SRV.url(f"{TASKS}/{running}"), auth=("bob", "bob-pw"), timeout=10)
    check(r.status_code == 200 and not r.content, f"HEAD: {r.status_code}")
    api("PATCH", "/redfish/v1/TaskService", "admin", body={"TaskAutoDeleteTimeoutMinutes": 7},
        expect=200)
    t, _ = start(["true"], user="bob", DeleteOnCompletion=False)
    doc = task(t, "bob")["Oem"]["CimJob"]
    check(doc["TimeBeforeRemoval"] == "P0DT0H7M0S" and doc["DeleteOnCompletion"] is False,
          f"{doc['TimeBeforeRemoval']} {doc['DeleteOnCompletion']}")
    api("PATCH", "/redfish/v1/TaskService", "admin", body={"TaskAutoDeleteTimeoutMinutes": 5},
        expect=200)
    api("DELETE", f"{TASKS}/{running}", "bob", expect=202)
    wait_state(running, ["Cancelled"], user="bob")


@case
def redfishtool_root_raw_get_and_delete():
    rc, out, err = redfishtool("root")
    check(rc == 0 and "ServiceRoot" in out, f"root: {rc} {err[-300:]}")
    tid, _ = start(["sleep", "60"])
    rc, out, err = redfishtool("raw", "GET", TASKS)
    check(rc == 0 and f"{TASKS}/{tid}" in out, f"raw GET collection: {rc} {err[-300:]}")
    rc, out, err = redfishtool("-P", "TaskState", "raw", "GET", f"{TASKS}/{tid}")
    check(rc == 0 and json.loads(out)["TaskState"] == "Running", f"raw GET task: {out} {err}")
    # redfishtool 1.1.5 cannot follow a 202 (its waitForTask fails): -N, then look.
    rc, out, err = redfishtool("-N", "raw", "DELETE", f"{TASKS}/{tid}")
    check(rc == 0, f"raw DELETE: {rc} {err[-300:]}")
    wait_state(tid, ["Cancelled"])
    rc, out, err = redfishtool("-P", "TaskState", "raw", "GET", f"{TASKS}/{tid}", session=True)
    check(rc == 0 and json.loads(out)["TaskState"] == "Cancelled", f"with a session: {out} {err}")
    rc, out, err = redfishtool("raw", "GET", f"{TASKS}/{tid}", user="bob")
    check(rc != 0, "redfishtool as bob read alice's task")


def sushy_flow(srv, session):
    from sushy import taskmonitor
    root = sushy_root("alice", srv, session)
    ts = root.get_task_service()
    check(ts.identity == "TaskService" and ts.service_enabled, "get_task_service")
    conn = root._conn
    r = conn.post(START, data={"CommandLine": ["sleep", "0.5"], "Name": "sushy"})
    m = taskmonitor.TaskMonitor.from_response(conn, r, START)
    check(m.task_monitor_uri.endswith("/TaskMonitors/" + m.task.identity), m.task_monitor_uri)
    check(m.is_processing and m.cancellable, "the first 202 is processing and cancellable")
    check(0 <= m.sleep_for <= 2, f"sleep_for {m.sleep_for}")
    m.wait(30)
    t = m.get_task()
    check(str(t.task_state).endswith("COMPLETED"), f"sushy: {t.task_state}")
    ids = [x.identity for x in ts.tasks.get_members()]
    check(t.identity in ids, f"tasks: {ids}")
    r = conn.post(START, data={"CommandLine": ["sleep", "60"]})
    m = taskmonitor.TaskMonitor.from_response(conn, r, START)
    conn.delete(m.task_monitor_uri)
    m.wait(30)
    check(str(m.get_task().task_state).endswith("CANCELLED"), "cancel")
    r = conn.post(START, data={"CommandLine": ["sh", "-c", "exit 2"]})
    m = taskmonitor.TaskMonitor.from_response(conn, r, START)
    m.wait(30)
    t = m.get_task()
    check(str(t.task_state).endswith("EXCEPTION"), f"{t.task_state}")
    check([x.message_id for x in t.messages] == ["TaskEvent.1.0.TaskAborted",
                                                  "CimJob.1.0.JobExitStatus"],
          f"messages {[x.message_id for x in t.messages]}")
    if session:
        check(len(root.get_session_service().sessions.get_members()) >= 1, "no session")


@case
def sushy_basic_and_session():
    sushy_flow(SRV, session=False)
    sushy_flow(SRV, session=True)


@case
def tls_with_sushy_redfishtool_and_sessions():
    global TLS
    TLS = Server("tls", tls=True)
    try:
        check(TLS.base.startswith("https://"), TLS.base)
        api("GET", "/redfish/v1/", None, srv=TLS, expect=200)
        api("GET", TASKS, None, srv=TLS, expect=401)
        sushy_flow(TLS, session=False)
        sushy_flow(TLS, session=True)
        tid, _ = start(["sleep", "60"], srv=TLS)
        rc, out, err = redfishtool("-P", "TaskState", "raw", "GET", f"{TASKS}/{tid}", srv=TLS)
        check(rc == 0 and json.loads(out)["TaskState"] == "Running", f"{rc} {out} {err[-300:]}")
        rc, out, err = redfishtool("-N", "raw", "DELETE", f"{TASKS}/{tid}", srv=TLS,
                                   session=True)
        check(rc == 0, f"redfishtool DELETE over TLS with a session: {rc} {err[-300:]}")
        wait_state(tid, ["Cancelled"], srv=TLS)
        try:
            r = requests.get(TLS.url("/redfish/v1/").replace("https://", "http://"), timeout=5)
            check(False, f"plain HTTP answered on the TLS port: {r.status_code}")
        except requests.exceptions.ConnectionError:
            pass
    finally:
        status = TLS.stop()
        check(status == 0, f"TLS server exit {status}")
        left = tagged(TLS.tag)
        check(not left, f"left behind by the TLS server: {left}")


# ---- cases: the JobService (scheduled and recurring jobs) ---------------------------------------

JOBS = "/redfish/v1/JobService/Jobs"


def iso_in(seconds):
    t = time.gmtime(time.time() + seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", t)


def post_job(schedule, cmd, user="alice", expect=201, **extra):
    body = {"Name": "scheduled", "Oem": {"CimJob": {"CommandLine": cmd}}}
    if schedule is not None:
        body["Schedule"] = schedule
    body.update(extra)
    return api("POST", JOBS, user, body=body, expect=expect)


def wait_job(jid, states, user="alice", timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        j = api("GET", f"{JOBS}/{jid}", user, expect=200).doc
        if j["JobState"] in states:
            return j
        if time.monotonic() > deadline:
            raise Failure(f"job {jid} stayed {j['JobState']} (waiting for {states})")
        time.sleep(0.1)


@case
def jobservice_scheduled_and_recurring_jobs():
    root = api("GET", "/redfish/v1/", None, expect=200).doc
    check(root["JobService"]["@odata.id"] == "/redfish/v1/JobService", "ServiceRoot JobService")
    js = api("GET", "/redfish/v1/JobService", expect=200).doc
    check(js["Jobs"]["@odata.id"] == JOBS and js["ServiceCapabilities"]["Scheduling"], str(js))
    # A job at a time: Pending until then, then it runs, and ends Completed.
    at = iso_in(2)
    r = post_job({"InitialStartTime": at}, ["true"])
    jid = r.headers["Location"].rsplit("/", 1)[1]
    check(r.headers["Location"] == f"{JOBS}/{jid}" and r.doc["Id"] == jid, r.headers["Location"])
    check(r.doc["JobState"] == "Pending", f"JobState {r.doc['JobState']} before its time")
    check(r.doc["Schedule"]["InitialStartTime"] == at, f"Schedule {r.doc['Schedule']}")
    check(r.doc["CreatedBy"] == "alice", "CreatedBy")
    j = wait_job(jid, ["Completed"])
    check("StartTime" in j and "EndTime" in j and j["PercentComplete"] == 100, str(j))
    check(j["StartTime"] >= at, f"started at {j['StartTime']}, scheduled for {at}")
    # A recurring job: CIM's daily calendar, each Redfish field back as it was given.
    sched = {"InitialStartTime": "2026-01-05T03:30:00+00:00", "RecurrenceInterval": "P1D",
             "EnabledDaysOfWeek": ["Monday"], "EnabledMonthsOfYear": ["Every"],
             "MaxOccurrences": 5, "Lifetime": "P30D"}
    r = post_job(sched, ["sleep", "1"])
    rid = r.doc["Id"]
    sc, oem = r.doc["Schedule"], r.doc["Oem"]["CimJob"]
    check(r.doc["JobState"] == "Pending", f"JobState {r.doc['JobState']}")
    check(sc["RecurrenceInterval"] == "P1D" and sc["EnabledDaysOfWeek"] == ["Monday"] and
          sc["EnabledMonthsOfYear"] == ["Every"] and sc["MaxOccurrences"] == 5 and
          sc["InitialStartTime"].endswith("T03:30:00+00:00") and sc["Lifetime"].startswith("P"),
          f"Schedule {sc}")
    check(oem["RunDayOfWeek"] == 2 and oem["RunDay"] == 0 and oem["JobRunTimes"] == 5 and
          oem["RunStartInterval"] == "P0DT3H30M0S" and oem["NextRunTime"], f"CIM {oem}")
    # What CIM cannot hold is refused, never approximated.
    for bad, key in (({"RecurrenceInterval": "PT1H"}, "PropertyValueNotInList"),
                     ({"RecurrenceInterval": "P1D", "EnabledDaysOfWeek": ["Monday", "Friday"]},
                      "PropertyValueNotInList"),
                     ({"RecurrenceInterval": "P1D", "EnabledDaysOfWeek": ["Monday"],
                       "EnabledDaysOfMonth": [8]}, "PropertyValueNotInList"),
                     ({"EnabledIntervals": ["2026-01-01T00:00:00Z/PT1H"]}, "PropertyUnknown"),
                     ({"InitialStartTime": "tomorrow"}, "PropertyValueFormatError"),
                     ({"InitialStartTime": "2027-02-29T00:00:00Z"}, "PropertyValueFormatError"),
                     ({"InitialStartTime": " 2027-01-01T00:00:00Z"}, "PropertyValueFormatError"),
                     ({"EnabledDaysOfWeek": ["Monday"]}, "PropertyMissing")):
        r = post_job(bad, ["true"], expect=400)
        check(error_id(r).endswith("." + key), f"{bad}: {error_id(r)}")
    r = api("POST", JOBS, body={"Name": "x"}, expect=400)
    check(error_id(r).endswith(".PropertyMissing"), error_id(r))
    # The collection: the scheduled jobs, not the plain tasks; each owner sees their own.
    plain, _ = start(["true"])
    ids = [m["@odata.id"].rsplit("/", 1)[1] for m in api("GET", JOBS, expect=200).doc["Members"]]
    check(jid in ids and rid in ids and plain not in ids, f"Jobs {ids}")
    api("GET", f"{JOBS}/{plain}", expect=404)
    api("DELETE", f"{JOBS}/{plain}", expect=404)
    api("GET", f"{JOBS}/{rid}", "bob", expect=403)
    # DELETE cancels a pending job, and removes it once it has ended.
    api("DELETE", f"{JOBS}/{rid}", expect=202)
    j = wait_job(rid, ["Cancelled"])
    check(j["JobStatus"] == "Warning", j["JobStatus"])
    api("DELETE", f"{JOBS}/{rid}", expect=200)
    api("GET", f"{JOBS}/{rid}", expect=404)
    api("DELETE", f"{JOBS}/{jid}", expect=200)


@case
def patch_writable_properties_through_modify():
    tid, _ = start(["sleep", "60"])
    r = api("PATCH", f"{TASKS}/{tid}", body={"Oem": {"CimJob": {
        "DeleteOnCompletion": False, "TimeBeforeRemoval": "PT2H", "Priority": 3}}}, expect=200)
    oem = r.doc["Oem"]["CimJob"]
    check(oem["DeleteOnCompletion"] is False and oem["TimeBeforeRemoval"] in ("PT2H", "P0DT2H0M0S"),
          f"after PATCH: {oem}")
    for body, key in (({"Name": "x"}, "PropertyNotWritable"),
                      ({"Oem": {"CimJob": {"JobState": "Completed"}}}, "PropertyNotWritable"),
                      ({"Oem": {"CimJob": {"Priority": "high"}}}, "PropertyValueTypeError"),
                      ({"Oem": {"CimJob": {"UntilTime": "soon"}}}, "PropertyValueTypeError")):
        r = api("PATCH", f"{TASKS}/{tid}", body=body, expect=400)
        check(error_id(r).endswith("." + key), f"{body}: {error_id(r)}")
    api("PATCH", f"{TASKS}/{tid}", "bob", body={"Oem": {"CimJob": {"Priority": 1}}}, expect=403)
    api("PATCH", f"{TASKS}/{tid}", "reader", body={"Oem": {"CimJob": {"Priority": 1}}},
        expect=403)
    check(task(tid)["Oem"]["CimJob"]["DeleteOnCompletion"] is False, "a refused PATCH changed it")
    # A Job's Schedule is replaced as a whole.
    r = post_job({"RecurrenceInterval": "P1D", "EnabledDaysOfWeek": ["Friday"]}, ["true"])
    jid = r.doc["Id"]
    r = api("PATCH", f"{JOBS}/{jid}", body={"Schedule": {
        "RecurrenceInterval": "P1D", "InitialStartTime": "2026-01-01T22:15:00+00:00",
        "EnabledMonthsOfYear": ["July"], "EnabledDaysOfMonth": [4], "MaxOccurrences": 2}},
        expect=200)
    sc, oem = r.doc["Schedule"], r.doc["Oem"]["CimJob"]
    check(sc["EnabledMonthsOfYear"] == ["July"] and sc["EnabledDaysOfMonth"] == [4] and
          sc["EnabledDaysOfWeek"] == ["Every"] and sc["MaxOccurrences"] == 2 and
          oem["RunMonth"] == 6 and oem["RunDay"] == 4 and oem["RunDayOfWeek"] == 0 and
          oem["NextRunTime"].endswith("-07-04T22:15:00+00:00"), f"after PATCH: {sc} {oem}")
    r = api("PATCH", f"{JOBS}/{jid}", body={"Schedule": {"RecurrenceInterval": "PT5M"}},
            expect=400)
    check(api("GET", f"{JOBS}/{jid}", expect=200).doc["Schedule"] == sc, "a refused PATCH")
    api("DELETE", f"{JOBS}/{jid}", expect=202)
    wait_job(jid, ["Cancelled"])
    api("DELETE", f"{JOBS}/{jid}", expect=200)
    api("DELETE", f"{TASKS}/{tid}", expect=202)
    wait_state(tid, ["Cancelled"])
    api("DELETE", f"{TASKS}/{tid}", expect=200)


# ---- cases: the whole service against the schemas -----------------------------------------------

@case
def schema_walk_every_link_every_state():
    # Tasks in every state the service can show.
    running, _ = start(["sleep", "60"])
    suspended, _ = start(["sleep", "60"])
    api("POST", f"{TASKS}/{suspended}/Actions/Oem/CimJob.Suspend", expect=200)
    completed, _ = start(["true"])
    failed, _ = start(["false"])
    cancelled, _ = start(["sleep", "60"])
    api("DELETE", f"{TASKS}/{cancelled}", expect=202)
    cancelling, _ = start(["sh", "-c", "trap '' TERM; sleep 60"])
    time.sleep(0.3)
    api("POST", f"{TASKS}/{cancelling}/Actions/Oem/CimJob.RequestStateChange",
        body={"RequestedState": "Terminate", "TimeoutPeriod": "PT60S"}, expect=202)
    session = api("POST", "/redfish/v1/SessionService/Sessions", None,
                  body={"UserName": "admin", "Password": "admin-pw"}, expect=201)
    recurring = post_job({"RecurrenceInterval": "P1D", "EnabledDaysOfMonth": [1],
                          "EnabledMonthsOfYear": ["March"]}, ["true"]).doc["Id"]
    wait_state(completed, ["Completed"])
    wait_state(failed, ["Exception"])
    seen, queue, states = set(), ["/redfish/v1/"], set()
    while queue:
        uri = queue.pop(0)
        if uri in seen:
            continue
        seen.add(uri)
        if uri.endswith("/EventService/SSE"):
            continue
        r = api("GET", uri, "admin")
        if r.status_code != 200:
            rfcheck.FINDINGS.append(f"link {uri}: GET answered {r.status_code}")
            continue
        if r.doc is None:
            continue
        if r.doc.get("@odata.type", "").startswith("#Task."):
            states.add(r.doc["TaskState"])
        if r.doc.get("@odata.type", "").startswith("#Job."):
            states.add("Job " + r.doc["JobState"])
        if r.doc.get("@odata.type", "").startswith("#MessageRegistryFile."):
            load_registries(r.doc)
        for link in rfcheck.links(r.doc, r.doc.get("@odata.id")):
            if link not in seen:
                queue.append(link)
    for s in ("Running", "Suspended", "Completed", "Exception", "Cancelled", "Cancelling",
              "Job Pending"):
        check(s in states, f"the walk saw no {s} task (saw {sorted(states)})")
    check(len(seen) > 12, f"the walk saw only {len(seen)} documents")
    api("DELETE", session.headers["Location"], "admin", expect=200)
    for t in (running, suspended):
        api("DELETE", f"{TASKS}/{t}", expect=202)
    api("POST", f"{TASKS}/{cancelling}/Actions/Oem/CimJob.Kill", body={})
    for t in (running, suspended, cancelling):
        wait_state(t, ["Cancelled"])
    api("DELETE", f"{JOBS}/{recurring}", expect=202)
    wait_job(recurring, ["Cancelled"])


# ---- load ---------------------------------------------------------------------------------------

@case
def load_32_clients_nothing_lost():
    fds_before = SRV.fds()
    started, errors = [], []
    lock = threading.Lock()

    def client(n):
        try:
            user = ("alice", "bob")[n % 2]
            s = requests.Session()
            s.auth = (user, ACCOUNTS[user][1])
            mine = []
            for k in range(3):
                cmd = ["sleep", "0.2"] if k != 1 else ["sleep", "30"]
                r = s.post(SRV.url(START), json={"CommandLine": cmd, "Name": f"load-{n}-{k}"},
                           timeout=HTTP_TIMEOUT)
                if r.status_code != 202:
                    raise Failure(f"start: {r.status_code} {r.text[:200]}")
                tid = r.headers["Location"].rsplit("/", 1)[1]
                mine.append((tid, user, k))
                with lock:
                    started.append((tid, user, k))
            tid = mine[1][0]
            r = s.delete(SRV.url(f"{TASKS}/{tid}"), timeout=HTTP_TIMEOUT)
            if r.status_code != 202:
                raise Failure(f"cancel: {r.status_code}")
            deadline = time.monotonic() + 60
            for tid, _, _ in mine:
                while True:
                    r = s.get(SRV.url(f"/redfish/v1/TaskService/TaskMonitors/{tid}"),
                              timeout=HTTP_TIMEOUT)
                    if r.status_code == 200:
                        break
                    if r.status_code != 202 or time.monotonic() > deadline:
                        raise Failure(f"monitor {tid}: {r.status_code}")
                    time.sleep(0.1)
        except Exception as e:  # noqa: BLE001 - report every failure of a client
            with lock:
                errors.append(f"client {n}: {e!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(32)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    check(not any(t.is_alive() for t in threads), "a client did not finish within 120 s")
    check(not errors, "; ".join(errors[:5]))
    check(len(started) == 96, f"{len(started)} started")
    for tid, user, k in started:
        t = task(tid, "admin")
        want = "Cancelled" if k == 1 else "Completed"
        check(t["TaskState"] == want, f"task {tid} ({k}) is {t['TaskState']}")
        check(t["Oem"]["CimJob"]["Owner"] == user, "owner")
    check(not job_processes(SRV), f"processes left: {job_processes(SRV)}")
    time.sleep(0.5)
    fds_after = SRV.fds()
    check(fds_after <= fds_before + 4, f"descriptors grew from {fds_before} to {fds_after}")
    print(f"# load: 96 tasks by 32 clients in {time.monotonic() - t0:.1f} s", flush=True)


def raw_get(sock, path):
    """One GET on a kept-alive socket; the whole answer (head and Content-Length body)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@case
def no_accounts_limits_session_expiry_ipv6():
    # No accounts file at all: the server starts, the public documents answer, the rest is 401.
    srv = Server("limits", accounts=os.path.join(TMP, "missing"),
                 extra=["--max-connections", "2", "--session-timeout", "1"])
    try:
        api("GET", "/redfish/v1/", None, srv=srv, expect=200)
        api("GET", TASKS, None, srv=srv, expect=401)
        r = requests.get(srv.url(TASKS), auth=("alice", "alice-pw"), timeout=HTTP_TIMEOUT)
        check(r.status_code == 401, f"an account of another file: {r.status_code}")
        # --max-connections 2: a third connection is closed at once, the first two still work.
        # The connections of the requests above may take a moment to be let go by the server.
        for _ in range(50):
            a = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            b = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            try:  # both accepted and served (kept alive) before the third comes
                if all(raw_get(s_, "/redfish").startswith(b"HTTP/1.1 200") for s_ in (a, b)):
                    break
            except OSError:
                pass
            a.close()
            b.close()
            time.sleep(0.1)
        else:
            raise Failure("two connections could not be kept alive")
        c = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        c.sendall(b"GET /redfish/v1/ HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            third = c.recv(100)
        except OSError:
            third = b""
        check(third == b"", f"a third connection was served: {third[:60]!r}")
        check(raw_get(a, "/redfish/v1/").startswith(b"HTTP/1.1 200"), "the first connection")
        for s_ in (a, b, c):
            s_.close()
    finally:
        check(srv.stop() == 0, "exit status")
    # Sessions expire (--session-timeout 1), --max-tasks, and IPv6 when the machine has it.
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
        host = "[::1]"
    except OSError:
        host = "127.0.0.1"
        print("# no IPv6 loopback here: the IPv6 listen is not tested", flush=True)
    srv = Server("v6", extra=["--session-timeout", "1", "--listen", f"{host}:0",
                              "--max-tasks", "1"])
    try:
        check(srv.base.startswith(f"http://{host}:"), srv.base)
        start(["sleep", "60"], srv=srv)
        r = api("POST", START, srv=srv, body={"CommandLine": ["true"]}, expect=503)
        check(error_id(r) == "Base.1.22.CreateLimitReachedForResource", error_id(r))
        check(r.headers.get("Retry-After") == "10", "Retry-After")
        r = api("POST", "/redfish/v1/SessionService/Sessions", None, srv=srv,
                body={"UserName": "bob", "Password": "bob-pw"}, expect=201)
        token = r.headers["X-Auth-Token"]
        api("GET", TASKS, None, srv=srv, token=token, expect=200)
        time.sleep(2.5)
        api("GET", TASKS, None, srv=srv, token=token, expect=401)
        check(api("GET", "/redfish/v1/SessionService/Sessions", "admin",
                  srv=srv).doc["Members@odata.count"] == 0, "the expired session is listed")
    finally:
        check(srv.stop() == 0, "exit status")


# ---- the end ------------------------------------------------------------------------------------

@case
def shutdown_ends_every_job():
    for _ in range(3):
        start(["sleep", "60"])
    start(["sh", "-c", "trap '' TERM; sleep 60"])
    time.sleep(0.3)
    check(len(job_processes(SRV)) >= 4, "the jobs are not running")
    status = SRV.stop()
    check(status == 0, f"exit status {status}")
    left = tagged(SRV.tag)
    check(not left, f"processes left after shutdown: {left}")


@case
def zero_findings_against_dmtf_schemas_and_registries():
    print(f"# {CHECK.validated} documents validated, {CHECK.messages} messages checked",
          flush=True)
    check(CHECK.validated > 50 and CHECK.messages > 50, "too little was checked")
    check(not rfcheck.FINDINGS, "\n".join(rfcheck.FINDINGS[:40]))


# ---- main ---------------------------------------------------------------------------------------

def load_registries(regfile):
    """The registry documents a MessageRegistryFile locates (not @odata.id links: fetched and
    checked here), then known to CHECK for the messages that name them."""
    for loc in regfile.get("Location", []):
        r = api("GET", loc["Uri"], "admin", expect=200)
        CHECK.registry(loc["Uri"], r.doc)
        check(r.doc["Id"] == regfile["Id"] and regfile["Registry"] ==
              r.doc["RegistryPrefix"] + "." + ".".join(r.doc["RegistryVersion"].split(".")[:2]),
              f"{regfile['@odata.id']} does not name {loc['Uri']}")


def setup():
    global TMP, SRV
    TMP = tempfile.mkdtemp(prefix="cimjob-redfish-")
    path = os.path.join(TMP, "accounts")
    for name, (role, pw) in ACCOUNTS.items():
        p = subprocess.run([CIMJOB, "account", "add", "--accounts", path, "--role", role, name],
                           input=(pw + "\n").encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        if p.returncode != 0:
            raise Failure(f"cimjob account add: {p.stderr.decode()}")
    with open(path) as f:
        text = f.read()
    if any(pw in text for _, pw in ACCOUNTS.values()) or "$y$" not in text:
        raise Failure("the accounts file does not hold yescrypt hashes only")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    os.path.join(TMP, "key.pem"), "-out", os.path.join(TMP, "cert.pem"),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    SRV = Server("main")
    # The service's own message registries, before any message names them.
    for m in api("GET", "/redfish/v1/Registries", "admin", expect=200).doc["Members"]:
        load_registries(api("GET", m["@odata.id"], "admin", expect=200).doc)


def main():
    global CIMJOB, CHECK
    if len(sys.argv) < 3 or not os.access(sys.argv[1], os.X_OK):
        print("1..0 # SKIP the cimjob command was not built")
        return 0
    CIMJOB = os.path.abspath(sys.argv[1])
    # requests lets these override a verify= path: the TLS cases name our own certificate.
    for k in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(k, None)
    p = subprocess.run([CIMJOB, "serve", "--help"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        print("1..0 # SKIP cimjob was built without serve (libmicrohttpd)")
        return 0
    CHECK = rfcheck.Checker(sys.argv[2])
    selected = [c for c in CASES if len(sys.argv) < 4 or sys.argv[3] in c.__name__]
    print(f"1..{len(selected)}", flush=True)
    failed = 0
    try:
        setup()
        for n, c in enumerate(selected, 1):
            t0 = time.monotonic()
            try:
                c()
                print(f"ok {n} - {c.__name__} ({time.monotonic() - t0:.2f} s)", flush=True)
            except Exception as e:  # a failed check, a timeout, a client's error
                failed += 1
                print(f"not ok {n} - {c.__name__}", flush=True)
                for line in (repr(e) if not isinstance(e, Failure) else str(e)).splitlines():
                    print(f"# {line}", flush=True)
    finally:
        for s in (SRV, TLS):
            if s and s.p.poll() is None:
                s.p.send_signal(signal.SIGTERM)
                try:
                    s.p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    s.p.kill()
                    s.p.wait()
        for s in (SRV, TLS):
            for pid in tagged(s.tag) if s else []:
                os.kill(pid, signal.SIGKILL)
        if TMP:
            subprocess.run(["rm", "-rf", TMP])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
