#!/usr/bin/python3
"""The README's picture of the jobs page: `cimjob serve` with jobs in several states, the page
logged in, in headless Chromium, saved as a PNG.

Usage: screenshot.py CIMJOB_EXE OUTPUT.png     (tools/screenshot-ui.sh runs it)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402
from harness import Server  # noqa: E402

ACCOUNTS = {"operator": ("Operator", "screenshot-pw")}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: screenshot.py CIMJOB_EXE OUTPUT.png")
    exe, out = sys.argv[1], sys.argv[2]
    with Server(exe, ACCOUNTS) as srv, Browser(width=1280, height=720) as b:
        u = "operator"
        done = srv.start_job(u, ["true"], name="fetch sources")
        failed = srv.start_job(u, ["sh", "-c", "echo 'disk full' >&2; exit 28"], name="copy image to /var/lib/vm")
        cancelled = srv.start_job(u, ["sleep", "600"], name="nightly backup")
        killed = srv.start_job(u, ["sleep", "600"], name="stuck migration")
        suspended = srv.start_job(u, ["sleep", "600"], name="index rebuild")
        srv.start_job(u, ["sleep", "900"], name="build (make -j2)")
        srv.start_job(u, ["sleep", "900"], name="render report", TimeoutPeriod="PT10M")
        srv.wait_state(u, done, ["Completed"])
        srv.wait_state(u, failed, ["Exception"])
        for tid in (cancelled, killed, suspended):
            srv.wait_state(u, tid, ["Running"])
        srv.action(u, cancelled, "RequestStateChange", {"RequestedState": "Terminate", "TimeoutPeriod": "PT5S"})
        srv.action(u, killed, "Kill")
        srv.action(u, suspended, "Suspend")
        srv.wait_state(u, cancelled, ["Cancelled"])
        srv.wait_state(u, killed, ["Cancelled"])
        srv.wait_state(u, suspended, ["Suspended"])
        time.sleep(2)  # a few seconds of ElapsedTime on the running ones

        b.goto(srv.base + "/ui/")
        b.wait("document.readyState === 'complete' && !!window.cimjobUI")
        b.eval("document.getElementById('login-user').value = 'operator';"
               "document.getElementById('login-pass').value = 'screenshot-pw';"
               "document.getElementById('login-submit').click(); 1")
        b.wait("document.getElementById('live').textContent === 'live'")
        b.wait("(() => { const S = cimjobUI.state; return S.tasks.size === 7 && "
               "![...S.tasks.values()].some(t => t.stub) && !S.renderTimer && "
               "document.querySelectorAll('#rows tr').length === 7; })()")
        b.eval("document.getElementById('start').open = true;"
               "document.getElementById('start-cmd').value = \"rsync -a /srv/data 'backup host:/data'\";"
               "document.getElementById('start-name').value = 'sync data';"
               "document.getElementById('result').textContent = '';"
               "document.activeElement.blur(); 1")
        # The answer line of a request, as the page shows it after a click.
        b.eval(f"cimjobUI.act('/redfish/v1/TaskService/Tasks/{suspended}', 'Resume'); 1")
        b.wait("document.getElementById('result').textContent.includes('Resume')")
        b.eval(f"cimjobUI.act('/redfish/v1/TaskService/Tasks/{suspended}', 'Suspend'); 1")
        b.wait("document.getElementById('result').textContent.includes('Suspend')")
        b.wait("(() => { const r = [...document.querySelectorAll('#rows tr')].find(r => "
               "r.querySelector('.n').textContent === 'index rebuild'); "
               "return r && r.querySelector('.state').textContent === 'Suspended'; })()")
        time.sleep(0.5)
        b.screenshot(out)
        if b.errors:
            sys.exit("page errors: " + "; ".join(b.errors))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
