#!/usr/bin/python3
"""Suite 'ui': the jobs page of `cimjob serve` in headless Chromium, against the real server.

Usage: test_ui.py CIMJOB_EXE    (TAP on standard output)

Starts `cimjob serve` on 127.0.0.1 with two Operator accounts and a ReadOnly one, makes jobs in
several states through the Redfish API, then drives the page at /ui/ with the DevTools protocol
(cdp.py): the page's files and headers, log in from the keyboard, a reload, accessible names,
the rows against GET /redfish/v1/TaskService/Tasks, a failed job's message, a name that is HTML
shown as text, a job started from the form, Terminate -> Cancelled (with a TimeoutPeriod and as
a DELETE), Suspend/Resume, Kill, a refused request in words, Remove and Remove all finished,
the state filter, paging a burst of jobs, the stream broken and back, a second account that
sees none of the first one's jobs, a ReadOnly account, log out. Updates must come from the event
stream: the page must not poll while the stream is up. Every process started is ended by PID;
everything is on loopback.
"""
import json
import os
import subprocess
import sys
import time
import traceback
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, CDPError, find_chromium, websocket  # noqa: E402
from harness import Server, ServerError  # noqa: E402

ACCOUNTS = {"alice": ("Operator", "alice-pw-1"), "bob": ("Operator", "bob-pw-2"),
            "carol": ("ReadOnly", "carol-pw-3")}
# How long to wait for the page to show something: generous, for a loaded shared machine (the
# waits end as soon as the page is there; only a failure waits this long).
WAIT = 45
XSS_NAME = "<img src=x onerror=\"window.pwned=1\">"


class TAP:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, detail=""):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {desc}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {desc}", flush=True)
            for line in str(detail).splitlines()[:40]:
                print("# " + line, flush=True)
        return cond

    def case(self, desc, fn):
        """Run fn(); a case passes when it returns a true value or None and raises nothing."""
        try:
            r = fn()
            return self.ok(r is None or bool(r), desc, "" if r is None or r else f"got {r!r}")
        except Exception as e:  # the case failed; the suite goes on
            return self.ok(False, desc, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")


class Page:
    """The jobs page, as a user sees it."""

    def __init__(self, browser, base):
        self.b = browser
        self.base = base

    def open(self):
        self.b.goto(self.base + "/ui/")
        self.b.wait("document.readyState === 'complete' && !!window.cimjobUI", what="the page")

    def login(self, user, password):
        self.b.wait("!document.getElementById('login-view').hidden", what="the login form")
        self.b.eval("document.getElementById('login-user').value = ''; "
                    "document.getElementById('login-user').focus(); 1")
        self.b.type_text(user)
        self.b.key("Tab")
        self.b.type_text(password)
        self.b.key("Enter")

    def live(self, timeout=WAIT):
        return self.b.wait("document.getElementById('live').textContent === 'live'", timeout,
                           what="the event stream")

    def rows(self):
        return self.b.eval("""[...document.querySelectorAll('#rows tr')].map(r => ({
            id: r.querySelector('.id').textContent.replace('#', ''),
            name: r.querySelector('.n').textContent,
            iid: r.querySelector('.iid').textContent,
            state: (r.querySelector('.state') || {}).textContent || '',
            jobstate: (r.querySelector('.jobstate') || {}).textContent || '',
            started: r.querySelector('.start').textContent,
            messages: [...r.querySelectorAll('.msgs p .m')].map(p => p.textContent),
            details: [...r.querySelectorAll('.msgs .detail')].map(p => p.textContent),
            owner: (r.querySelector('.owner') || {}).textContent || '',
            containment: r.querySelector('.cont').textContent,
            enabled: [...r.querySelectorAll('.acts button')].filter(b => !b.disabled).map(b => b.dataset.op),
        }))""")

    def row(self, tid):
        return next((r for r in self.rows() if r["id"] == str(tid)), None)

    def wait_row(self, tid, expr="true", timeout=WAIT, what=None):
        js = (f"(() => {{ const r = [...document.querySelectorAll('#rows tr')].find(r => "
              f"r.querySelector('.id').textContent === '#{tid}'); if (!r) return false; "
              f"const state = (r.querySelector('.state') || {{}}).textContent; "
              f"const msgs = [...r.querySelectorAll('.msgs p')].map(p => p.textContent); "
              f"return ({expr}) ? state || 'row' : false; }})()")
        return self.b.wait(js, timeout, what=what or f"row {tid}: {expr}")

    def wait_no_row(self, tid, timeout=WAIT):
        return self.b.wait(f"![...document.querySelectorAll('#rows tr .id')].some(e => e.textContent === '#{tid}')",
                           timeout, what=f"row {tid} gone")

    def press(self, tid, op):
        """Focus the row's button and press Enter on it, as a keyboard user does."""
        focused = self.b.eval(
            f"(() => {{ const b = document.querySelector('[data-key=\"' + CSS.escape("
            f"'/redfish/v1/TaskService/Tasks/{tid}#{op}') + '\"]'); if (!b || b.disabled) return false; "
            f"b.focus(); return document.activeElement === b; }})()")
        if not focused:
            raise CDPError(f"no enabled {op} button on row {tid}")
        self.clear_result()
        self.b.key("Enter")

    def clear_result(self):
        self.b.eval("document.getElementById('result').textContent = ''; 1")

    def result(self):
        return self.b.eval("document.getElementById('result').textContent")

    def wait_result(self, contains, timeout=WAIT):
        return self.b.wait(f"document.getElementById('result').textContent.includes({json.dumps(contains)}) && "
                           f"document.getElementById('result').textContent", timeout,
                           what=f"a result with {contains!r}")

    def stats(self):
        return self.b.eval("JSON.parse(JSON.stringify(cimjobUI.state.stats))")

    def filter_state(self, value):
        self.b.eval(f"(() => {{ const s = document.getElementById('filter-state'); s.value = {json.dumps(value)}; "
                    f"s.dispatchEvent(new Event('change')); return 1; }})()")
        time.sleep(0.3)  # one render (throttled at 60 ms)

    def settled(self, timeout=WAIT):
        """Every row loaded (no stub), nothing pending, one render after."""
        self.b.wait("(() => { const S = cimjobUI.state; return S.loaded && !S.flushing && S.pending.size === 0 && "
                    "![...S.tasks.values()].some(t => t.stub) && !S.renderTimer; })()", timeout,
                    what="the page settled")


def created(tid):
    """The creation order of a Task Id `<incarnation>-<n>` (docs/cim-model.md)."""
    inc, _, n = str(tid).rpartition("-")
    return (len(inc), inc, int(n))


def main():
    if len(sys.argv) != 2:
        print("usage: test_ui.py CIMJOB_EXE", file=sys.stderr)
        return 2
    exe = sys.argv[1]
    if not os.access(exe, os.X_OK):
        print(f"1..0 # SKIP {exe} was not built")
        return 0
    probe = subprocess.run([exe, "serve", "--help"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        print("1..0 # SKIP this cimjob has no `serve` (built without libmicrohttpd, GnuTLS or libcrypt)")
        return 0
    if not find_chromium():
        print("1..0 # SKIP chromium is not installed (tools/deps.sh CIMJOB_UI_PACKAGES)")
        return 0
    if websocket is None:
        print("1..0 # SKIP python3-websocket is not installed (tools/deps.sh CIMJOB_UI_PACKAGES)")
        return 0
    t = TAP()
    srv = Server(exe, ACCOUNTS)
    srv.start()
    try:
        with Browser() as b:
            run(t, srv, b)
            t.ok(not b.errors, "no JavaScript exception or console error on the page", "\n".join(b.errors))
    finally:
        status = srv.stop()
    bad = [ln for ln in srv.stderr_lines if "Sanitizer" in ln or "runtime error" in ln]
    t.ok(status == 0 and not bad, "cimjob serve exits 0 on SIGTERM, with no sanitizer report",
         f"exit status {status}\n" + "".join(srv.stderr_lines[-30:]))
    print(f"1..{t.n}")
    return 1 if t.failed else 0


def run(t, srv, b):
    page = Page(b, srv.base)

    # ---- the files, over plain HTTP -------------------------------------------------------------
    def files():
        st, h, body = srv.request(None, "GET", "/ui/")
        assert st == 200, st
        assert h["Content-Type"].startswith("text/html"), h["Content-Type"]
        csp = h.get("Content-Security-Policy", "")
        assert "default-src 'none'" in csp and "script-src 'self'" in csp, csp
        assert h.get("X-Content-Type-Options") == "nosniff"
        assert "<form id=\"login\"" in body, "no login form"
        for name, ctype in (("cimjob.js", "text/javascript"), ("cimjob.css", "text/css")):
            st, h2, _ = srv.request(None, "GET", "/ui/" + name)
            assert st == 200 and h2["Content-Type"].startswith(ctype), (name, st, h2["Content-Type"])
        etag = h.get("ETag")
        assert etag, "no ETag"
        st, _, _ = srv.request(None, "GET", "/ui/", headers={"If-None-Match": etag})
        assert st == 304, f"If-None-Match: {st}"
        st, hh, body_head = srv.request(None, "HEAD", "/ui/")
        assert st == 200 and not body_head and hh["Content-Type"].startswith("text/html"), (st, body_head)
        st, _, _ = srv.request(None, "GET", "/ui/no-such-file.js")
        assert st == 404, f"unknown file: {st}"
        st, h3, _ = srv.request(None, "POST", "/ui/", body={})
        assert st == 405 and "GET" in h3.get("Allow", ""), f"POST: {st} {h3.get('Allow')}"
        req = urllib.request.Request(srv.base + "/ui", method="GET")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(req, timeout=10)
            raise AssertionError("/ui did not redirect")
        except urllib.error.HTTPError as e:
            assert e.code in (301, 308) and e.headers["Location"].endswith("/ui/"), (e.code, e.headers["Location"])
    t.case("GET /ui/ serves the page, its script and style (CSP, nosniff, ETag -> 304; HEAD; 404, 405, "
           "/ui -> /ui/)", files)

    # ---- jobs in several states, through the API --------------------------------------------------
    ids = {}

    def setup():
        ids["run"] = srv.start_job("alice", ["sleep", "300"], name="long sleep")
        ids["fail"] = srv.start_job("alice", ["sh", "-c", "exit 3"], name="failing step")
        ids["done"] = srv.start_job("alice", ["true"], name="quick step")
        ids["xss"] = srv.start_job("alice", ["sleep", "300"], name=XSS_NAME)
        ids["bob"] = srv.start_job("bob", ["sleep", "300"], name="bob's job")
        srv.wait_state("alice", ids["fail"], ["Exception"])
        srv.wait_state("alice", ids["done"], ["Completed"])
        srv.wait_state("alice", ids["run"], ["Running"])
    t.case("jobs made through the Redfish API (Running, Exception, Completed; one of bob's)", setup)

    # ---- log in -----------------------------------------------------------------------------------
    page.open()

    def wrong_password():
        page.login("alice", "not-the-password")
        b.wait("document.getElementById('login-error').textContent.length > 0", what="a log-in error")
        msg = b.eval("document.getElementById('login-error').textContent")
        assert "Wrong user name or password" in msg, msg
        assert b.eval("document.getElementById('jobs-view').hidden"), "the jobs are shown"
    t.case("a wrong password is refused with a message, and no job is shown", wrong_password)

    def login():
        page.login("alice", ACCOUNTS["alice"][1])
        page.live()
        assert b.eval("!!cimjobUI.state.auth.token"), "no session token"
        assert b.eval("document.getElementById('user').textContent") == "alice"
    t.case("log in from the keyboard opens a Redfish session, and the event stream is up", login)

    def names():
        # Every control a keyboard or a screen reader reaches has a name (its label or text).
        page.settled()
        tree = b.call("Accessibility.getFullAXTree")["nodes"]
        roles = {"button", "textbox", "combobox", "spinbutton", "searchbox", "checkbox", "link", "progressbar"}
        unnamed, count = [], 0
        for n in tree:
            role = n.get("role", {}).get("value")
            if role not in roles or n.get("ignored"):
                continue
            count += 1
            if not str(n.get("name", {}).get("value", "")).strip():
                unnamed.append((role, n.get("backendDOMNodeId")))
        assert count >= 20 and not unnamed, (count, unnamed)
        # Row buttons say which job they act on.
        label = b.eval("document.querySelector('#rows button[data-op=Terminate]').getAttribute('aria-label')")
        assert label.startswith("Terminate ") and label.endswith(")"), label
    t.case("every button, field and progress bar has an accessible name; row buttons name their job",
           names)

    def rows_match():
        page.settled()
        # The service advertises $expand (ProtocolFeaturesSupported.ExpandQuery): the page
        # takes the Tasks from the collection itself.
        assert b.eval("cimjobUI.state.expand") is True, "the page did not use $expand"
        api = srv.tasks("alice")
        rows = page.rows()
        got = {r["id"]: r for r in rows}
        assert set(got) == set(api), f"page {sorted(got)} API {sorted(api)}"
        for tid, task in api.items():
            r = got[tid]
            assert r["name"] == task["Name"], (tid, r["name"], task["Name"])
            assert r["state"] == task["TaskState"], (tid, r["state"], task["TaskState"])
            assert r["iid"] == task["Oem"]["CimJob"]["InstanceID"], (tid, r["iid"])
            assert r["jobstate"] == "JobState " + task["Oem"]["CimJob"]["JobState"], (tid, r["jobstate"])
            assert r["containment"] == task["Oem"]["CimJob"].get("Containment", ""), (tid, r["containment"])
            assert r["owner"] == task["Oem"]["CimJob"]["Owner"] == "alice", (tid, r["owner"])
            assert bool(r["started"]) == bool(task.get("StartTime")), (tid, r["started"])
        order = [created(r["id"]) for r in rows]
        assert order == sorted(order, reverse=True), f"not newest first: {[r['id'] for r in rows]}"
        # Across a server restart too: a later incarnation (longer or greater hex) is newer, n
        # counts numerically ("-10" after "-9"), and a bare number (an older server) is oldest.
        got = b.eval("JSON.stringify([{Id: 'ff-9'}, {Id: '7'}, {Id: '100-1'}, {Id: 'ff-10'}, "
                     "{Id: 'fe-11'}].sort(cimjobUI.newerFirst).map(t => t.Id))")
        assert json.loads(got) == ["100-1", "ff-10", "ff-9", "fe-11", "7"], got
    t.case("the rows match GET /redfish/v1/TaskService/Tasks (Name, TaskState, JobState, InstanceID, "
           "containment, Owner), newest first; the list came with $expand", rows_match)

    def buffer_exceeded_reloads():
        # The service's Base.EventBufferExceeded (the stream fell behind and events were lost)
        # makes the page read the collection again: a Task it had lost track of comes back.
        page.settled()
        n0 = b.eval("cimjobUI.state.stats.collectionGets")
        gone = b.eval("(() => { const k = [...cimjobUI.state.tasks.keys()][0]; "
                      "cimjobUI.state.tasks.delete(k); return k; })()")
        ev = {"@odata.type": "#Event.v1_13_0.Event", "Id": "EventBufferExceeded",
              "Name": "Events lost", "Context": "cimjob",
              "Events": [{"MessageId": "Base.1.22.EventBufferExceeded", "MessageArgs": [],
                          "MessageSeverity": "Warning", "EventType": "Other", "MemberId": "0"}]}
        b.eval(f"cimjobUI.onEvent({json.dumps(json.dumps(ev))}); 1")
        b.wait(f"cimjobUI.state.stats.collectionGets > {n0} && "
               f"cimjobUI.state.tasks.has({json.dumps(gone)})")
        page.settled()
        return True
    t.case("Base.EventBufferExceeded on the stream makes the page read the list again",
           buffer_exceeded_reloads)

    def reload():
        # A reload keeps the session of this tab (sessionStorage): no second log in.
        tok = b.eval("cimjobUI.state.auth.token")
        b.call("Page.reload", ignoreCache=True)
        b.wait("document.readyState === 'complete' && !!window.cimjobUI && !!cimjobUI.state.auth",
               what="the page again, logged in")
        page.live()
        page.settled()
        assert b.eval("cimjobUI.state.auth.token") == tok, "another session"
        assert {r["id"] for r in page.rows()} == set(srv.tasks("alice"))
    t.case("a reload keeps the tab's session and shows the same rows", reload)

    def failed_message():
        api = srv.task("alice", ids["fail"])
        want = [m["Message"] for m in api.get("Messages", [])]
        assert want, f"the API has no message for the failed task: {api}"
        r = page.row(ids["fail"])
        assert r["state"] == "Exception", r
        assert r["messages"] == want, (r["messages"], want)
        cj = api["Oem"]["CimJob"]
        assert cj["ErrorCode"] == 3, cj
        assert f"ErrorCode 3: {cj['ErrorDescription']}" in r["details"], (r["details"], cj)
        assert set(r["enabled"]) == {"Remove"}, r["enabled"]
    t.case("a failed job shows TaskState Exception, its Task Messages and its ErrorCode and "
           "ErrorDescription; only Remove is offered", failed_message)

    def xss():
        r = page.row(ids["xss"])
        assert r and r["name"] == XSS_NAME, r
        assert b.eval("window.pwned === undefined && !document.querySelector('#rows img')"), "markup ran"
    t.case("a job named with HTML markup is shown as text", xss)

    def not_bobs():
        assert page.row(ids["bob"]) is None, "bob's job is on alice's page"
    t.case("alice's page does not show bob's job", not_bobs)

    # ---- start a job from the form ------------------------------------------------------------------
    def start_from_form():
        page.clear_result()
        b.eval("document.getElementById('start').open = true; "
               "document.getElementById('start-cmd').value = \"sleep '200'\"; "
               "document.getElementById('start-name').value = 'started from the page'; "
               "document.getElementById('start-submit').click(); 1")
        page.wait_result("202 Accepted")
        tid = b.wait("(() => { const r = [...document.querySelectorAll('#rows tr')].find(r => "
                     "r.querySelector('.n').textContent === 'started from the page'); "
                     "return r ? r.querySelector('.id').textContent.slice(1) : false; })()",
                     what="the new row")
        ids["form"] = tid
        page.wait_row(tid, "state === 'Running'")
        api = srv.task("alice", tid)
        assert api["Name"] == "started from the page" and api["TaskState"] == "Running", api
        assert api["Oem"]["CimJob"]["Owner"] == "alice", api["Oem"]["CimJob"]
    t.case("the start form starts a job (202 Accepted, owner alice) and its row comes up Running", start_from_form)

    # ---- buttons ------------------------------------------------------------------------------
    def terminate():
        before = page.stats()
        b.eval("document.getElementById('term-timeout').value = '5'; "
               "document.getElementById('term-timeout').dispatchEvent(new Event('change')); 1")
        time.sleep(0.2)
        page.press(ids["form"], "Terminate")
        text = page.wait_result("Terminate")
        assert "ReturnValue 4096 Method Parameters Checked - Transition Started" in text or \
               "ReturnValue 0 Completed with No Error" in text, text
        page.wait_row(ids["form"], "state === 'Cancelled'", what="the row Cancelled")
        api = srv.task("alice", ids["form"])
        assert api["TaskState"] == "Cancelled" and api["Oem"]["CimJob"]["JobState"] == "Terminated", api
        after = page.stats()
        assert after["events"] > before["events"], f"no event came: {before} {after}"
        r = page.row(ids["form"])
        assert set(r["enabled"]) == {"Remove"}, r["enabled"]
        # The keyboard focus was on Terminate: now disabled, it moved to the row's Remove.
        focus = b.eval("document.activeElement.dataset.key || document.activeElement.tagName")
        assert focus == f"/redfish/v1/TaskService/Tasks/{ids['form']}#Remove", focus
    t.case("Terminate (TimeoutPeriod 5 s) answers in words and the row changes to Cancelled "
           "(JobState Terminated) from the event stream", terminate)

    def suspend_resume():
        page.press(ids["run"], "Suspend")
        page.wait_result("Suspend")
        page.wait_row(ids["run"], "state === 'Suspended'")
        page.press(ids["run"], "Resume")
        page.wait_result("Resume")
        page.wait_row(ids["run"], "state === 'Running'")
        assert srv.task("alice", ids["run"])["TaskState"] == "Running"
    t.case("Suspend, then Resume: Suspended, then Running again", suspend_resume)

    def terminate_default():
        tid = srv.start_job("alice", ["sleep", "300"], name="ended by DELETE")
        page.wait_row(tid, "state === 'Running'")
        b.eval("document.getElementById('term-timeout').value = '0'; "
               "document.getElementById('term-timeout').dispatchEvent(new Event('change')); 1")
        time.sleep(0.2)
        page.press(tid, "Terminate")
        text = page.wait_result("Terminate")
        assert "HTTP 202 Accepted" in text or "HTTP 200 OK" in text or "HTTP 204" in text, text
        page.wait_row(tid, "state === 'Cancelled'")
        assert srv.task("alice", tid)["Oem"]["CimJob"]["JobState"] == "Terminated"
        b.eval("document.getElementById('term-timeout').value = '10'; 1")
    t.case("Terminate with TimeoutPeriod 0 sends DELETE (the service's own TimeoutPeriod): Cancelled",
           terminate_default)

    def kill():
        page.press(ids["xss"], "Kill")
        text = page.wait_result("Kill")
        assert "HTTP 20" in text, text
        page.wait_row(ids["xss"], "state === 'Cancelled'")
        api = srv.task("alice", ids["xss"])
        assert api["Oem"]["CimJob"]["JobState"] == "Killed", api["Oem"]["CimJob"]
    t.case("Kill: the row changes to Cancelled (JobState Killed)", kill)

    def refused():
        # Suspend on a finished job, as a stale page would send it: the service refuses it with
        # RequestStateChange's 4097, and the page says so in words.
        r = page.row(ids["done"])
        assert "Suspend" not in r["enabled"], r["enabled"]
        page.clear_result()
        b.eval(f"cimjobUI.act('/redfish/v1/TaskService/Tasks/{ids['done']}', 'Suspend'); 1")
        text = page.wait_result("Suspend")
        assert "ReturnValue 4097 Invalid State Transition" in text and "HTTP 409 Conflict" in text, text
        assert b.eval("document.getElementById('result').classList.contains('bad')"), "not marked as an error"
    t.case("Suspend on a finished job is disabled; sent anyway, the answer reads "
           "'ReturnValue 4097 Invalid State Transition, HTTP 409 Conflict'", refused)

    def remove():
        page.press(ids["done"], "Remove")
        page.wait_result("Remove")
        page.wait_no_row(ids["done"])
        st, _, _ = srv.request("alice", "GET", f"/redfish/v1/TaskService/Tasks/{ids['done']}")
        assert st == 404, st
    t.case("Remove on a finished job: the row goes, the Task answers 404", remove)

    def filter_by_state():
        page.filter_state("Exception")
        rows = page.rows()
        assert [r["id"] for r in rows] == [str(ids["fail"])], rows
        page.filter_state("active")
        rows = page.rows()
        assert rows and all(r["state"] in ("Running", "Suspended", "New", "Starting") for r in rows), rows
        page.filter_state("")
        assert len(page.rows()) == len(srv.tasks("alice"))
    t.case("the state filter shows only Exception, only unfinished, then all", filter_by_state)

    def paging():
        # A burst of 150 jobs that end at once: the page follows from the stream and pages them.
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            burst = list(pool.map(lambda i: srv.start_job("alice", ["true"], name=f"burst {i}"), range(150)))
        for tid in burst[-3:]:
            srv.wait_state("alice", tid, ["Completed"])
        total = len(srv.tasks("alice"))
        try:
            b.wait(f"cimjobUI.state.tasks.size === {total} && "
                   f"[...cimjobUI.state.tasks.values()].filter(t => t.TaskState === 'Completed').length >= 150",
                   timeout=2 * WAIT, what=f"{total} tasks on the page")
        except CDPError as e:
            seen = b.eval("JSON.stringify({size: cimjobUI.state.tasks.size, stats: cimjobUI.state.stats, "
                          "completed: [...cimjobUI.state.tasks.values()].filter(t => t.TaskState === 'Completed').length})")
            raise CDPError(f"{e}; the page has {seen}")
        page.settled()
        pages = -(-total // 50)
        info = b.eval("document.getElementById('page-info').textContent")
        assert info == f"Rows 1–50, page 1 of {pages}", info
        rows = page.rows()
        assert len(rows) == 50 and rows[0]["id"] == str(max(burst, key=created)), rows[0]
        b.eval("document.getElementById('page-next').focus(); 1")
        b.key("Enter")
        b.wait("document.getElementById('page-info').textContent.startsWith('Rows 51–100')", what="page 2")
        b.eval("document.getElementById('page-last').click(); 1")
        b.wait(f"document.getElementById('page-info').textContent.endsWith('page {pages} of {pages}')",
               what="the last page")
        last = page.rows()
        assert last[-1]["id"] == str(ids["run"]), f"the oldest job is not last: {last[-1]}"
        b.eval("document.getElementById('page-first').click(); 1")
        b.wait("document.getElementById('page-info').textContent.startsWith('Rows 1–50')", what="page 1")
    t.case("150 more jobs in a burst: the page follows the stream and pages them, 50 rows a page, "
           "newest first (Next from the keyboard, Last, First)", paging)

    def remove_finished():
        page.clear_result()
        b.eval("document.getElementById('remove-finished').click(); 1")
        text = page.wait_result("Remove all finished jobs")
        assert "HTTP 200 OK" in text or "HTTP 204" in text, text
        left = srv.tasks("alice")
        assert left and all(x["TaskState"] not in ("Completed", "Cancelled", "Exception") for x in left.values()), \
            sorted((k, v["TaskState"]) for k, v in left.items())
        b.wait(f"cimjobUI.state.tasks.size === {len(left)} && document.querySelectorAll('#rows tr').length === {len(left)}",
               what=f"{len(left)} rows left")
    t.case("Remove all finished (TaskService.DeleteAllCompletedTasks): the finished rows go, "
           "by TaskRemoved events", remove_finished)

    def no_polling():
        s = page.stats()
        assert s["polls"] == 0, s
        assert s["streamConnects"] == 1, s
    t.case("no polling while the event stream is up (one stream, zero polls)", no_polling)

    def stream_down():
        # The stream breaks and cannot come back for a while: the page says so, polls, and shows
        # what changed; once the stream is back, it stops polling.
        b.block_urls(["*/EventService/SSE*"])
        b.eval("cimjobUI.state.streamCtl.abort(); 1")
        b.wait("document.getElementById('live').textContent === 'stream down: polling'", what="stream down")
        b.wait("cimjobUI.state.stats.polls >= 1", what="a poll")
        tid = srv.start_job("alice", ["sleep", "300"], name="seen by polling")
        page.wait_row(tid, "state === 'Running'", what="a new job found by polling")
        b.block_urls([])
        page.live(timeout=WAIT + 20)
        polls = page.stats()["polls"]
        time.sleep(4)  # more than one polling period (3 s)
        s = page.stats()
        assert s["polls"] == polls, f"still polling with the stream up: {polls} -> {s['polls']}"
        assert s["streamConnects"] == 2, s
    t.case("the stream breaks: 'stream down: polling', a new job shows by polling; the stream "
           "reconnects and the polling stops", stream_down)

    # ---- a second account -------------------------------------------------------------------------
    def second_account():
        b.eval("document.getElementById('logout').click(); 1")
        b.wait("!document.getElementById('login-view').hidden", what="the login form again")
        assert b.eval("cimjobUI.state.tasks.size") == 0
        page.login("bob", ACCOUNTS["bob"][1])
        page.live()
        page.settled()
        rows = page.rows()
        api = srv.tasks("bob")
        assert {r["id"] for r in rows} == set(api) == {str(ids["bob"])}, (rows, sorted(api))
        alice = set(srv.tasks("alice"))
        assert not alice & {r["id"] for r in rows}, "alice's jobs on bob's page"
    t.case("log out, log in as bob: bob's page shows his job and none of alice's", second_account)

    def bob_events():
        # alice's changes must not reach bob's page, by the stream or otherwise.
        srv.start_job("alice", ["true"], name="alice after bob logged in")
        tid = srv.start_job("bob", ["true"], name="bob's second")
        page.wait_row(tid, "state === 'Completed'")
        names = [r["name"] for r in page.rows()]
        assert "alice after bob logged in" not in names, names
    t.case("bob's page gets his new job from the stream and never alice's", bob_events)

    def session_logout():
        tok = b.eval("cimjobUI.state.auth.token")
        b.eval("document.getElementById('logout').click(); 1")
        b.wait("!document.getElementById('login-view').hidden")
        st, _, _ = srv.request(None, "GET", "/redfish/v1/TaskService", headers={"X-Auth-Token": tok})
        assert st == 401, f"the old token still works: {st}"
    t.case("Log out deletes the Redfish session (its token answers 401)", session_logout)

    def read_only():
        # A ReadOnly account may not start jobs: the session's Roles say so and the page hides
        # the start form and the bulk remove; the service refuses a start anyway.
        page.login("carol", ACCOUNTS["carol"][1])
        page.live()
        page.settled()
        assert page.rows() == [], page.rows()
        sess = b.eval("cimjobUI.state.auth.session")
        st, _, doc = srv.request("carol", "GET", sess)
        assert st == 200 and doc.get("Roles") == ["ReadOnly"], (st, doc)
        assert b.eval("document.getElementById('start').hidden"), "the start form shows"
        assert b.eval("document.getElementById('remove-finished').hidden"), "remove shows"
        st, _, _ = srv.request("carol", "POST", "/redfish/v1/TaskService/Actions/Oem/CimJob.Start",
                               {"CommandLine": ["true"]})
        assert st == 403, f"a ReadOnly start answered {st}"
        assert srv.tasks("carol") == {}, "a ReadOnly account started a job"
        return True

    t.case("a ReadOnly account sees no jobs, its session's Roles are [ReadOnly] and the page "
           "hides the start form (the service answers 403 to a start)", read_only)

    def read_only_logout():
        # Any account may end its own session, ReadOnly included.
        tok = b.eval("cimjobUI.state.auth.token")
        b.eval("document.getElementById('logout').click(); 1")
        b.wait("!document.getElementById('login-view').hidden")
        assert b.eval("cimjobUI.state.auth") is None
        st, _, _ = srv.request(None, "GET", "/redfish/v1/TaskService", headers={"X-Auth-Token": tok})
        msg = b.eval("document.getElementById('login-error').textContent")
        assert st == 401 and msg == "", (st, msg)
    t.case("log out as ReadOnly ends the session too",
           read_only_logout)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ServerError, CDPError) as e:
        print(f"Bail out! {e}")
        sys.exit(1)
