#!/usr/bin/python3
"""The jobs page with many jobs: how long the page takes to list them and how long one redraw
takes, measured in headless Chromium against the real `cimjob serve` on 127.0.0.1.

Usage: bench_ui.py CIMJOB_EXE [JOBS]      (tools/bench-ui.sh; default 10000 jobs)

The jobs are `true` (each a real process that completes at once; finished tasks stay listed for
their TimeBeforeRemoval), started through the Redfish API by 8 client threads. Figures printed:
the time to start them, the time until the page has every Task document (the collection, then
one GET per Task, as the service has no $expand), the page's slowest and median redraw
(filter, sort and one page of rows: what the browser's main thread does per update), the time of
a state-filter change and of a page turn, and the JS heap; then two baselines in the same run:
the browser's bare fetch() rate and the server's GET rate to a plain HTTP client. A benchmark:
nothing is asserted.
"""
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402
from harness import Server  # noqa: E402


def main():
    exe = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    acc = {"bench": ("Operator", "bench-pw")}
    with Server(exe, acc, ["--max-tasks", str(n + 100), "--max-connections", "64"]) as srv, \
            Browser(width=1280, height=900, timeout=120) as b:
        t0 = time.monotonic()
        errors = []
        counter = iter(range(n))
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                try:
                    srv.start_job("bench", ["true"], name=f"job {i}", TimeBeforeRemoval="PT1H")
                except Exception as e:  # counted, reported
                    errors.append(str(e))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        started = time.monotonic() - t0
        print(f"started {n - len(errors)} jobs through the API in {started:.1f} s "
              f"({(n - len(errors)) / started:.0f}/s); {len(errors)} errors {errors[:2]}")

        b.goto(srv.base + "/ui/")
        b.wait("document.readyState === 'complete' && !!window.cimjobUI")
        t1 = time.monotonic()
        b.eval("document.getElementById('login-user').value = 'bench';"
               "document.getElementById('login-pass').value = 'bench-pw';"
               "document.getElementById('login-submit').click(); 1")
        b.wait("document.querySelectorAll('#rows tr').length === 50 && "
               "!document.querySelector('#rows tr .n').textContent.startsWith('loading')", timeout=300)
        first = time.monotonic() - t1
        b.wait(f"(() => {{ const S = cimjobUI.state; return S.loaded && S.tasks.size >= {n - len(errors)} && "
               f"![...S.tasks.values()].some(t => t.stub) && !S.renderTimer; }})()", timeout=600)
        full = time.monotonic() - t1
        st = b.eval("JSON.parse(JSON.stringify(cimjobUI.state.stats))")
        size = b.eval("cimjobUI.state.tasks.size")
        print(f"page: first 50 rows filled in {first:.1f} s; all {size} Task documents in {full:.1f} s "
              f"({st['taskGets']} task GETs, {st['collectionGets']} collection GETs, {st['renders']} redraws "
              f"while loading, slowest {st['maxRenderMs']:.1f} ms)")
        # Redraws on demand: the same work as one update from the stream, 30 times.
        times = b.eval("""(() => { const out = [];
            const sel = document.getElementById('filter-state');
            for (let i = 0; i < 30; i++) {
              sel.value = ['', 'Completed', 'active'][i % 3];
              const t = performance.now();
              sel.dispatchEvent(new Event('change'));
              clearTimeout(cimjobUI.state.renderTimer); cimjobUI.state.renderTimer = 0;
              cimjobUI.render();
              out.push(performance.now() - t);
            }
            sel.value = ''; sel.dispatchEvent(new Event('change')); return out; })()""")
        print(f"redraw of {n} jobs (filter + sort + 50 rows): median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms over {len(times)}")
        turn = b.eval("""(() => { cimjobUI.render(); const t = performance.now();
            document.getElementById('page-last').click();
            clearTimeout(cimjobUI.state.renderTimer); cimjobUI.state.renderTimer = 0; cimjobUI.render();
            return performance.now() - t; })()""")
        info = b.eval("document.getElementById('page-info').textContent")
        heap = b.eval("performance.memory ? performance.memory.usedJSHeapSize : 0")
        print(f"page turn to the last page: {turn:.1f} ms ({info}); JS heap {heap / 1e6:.1f} MB")
        # Baselines in the same run: the browser's bare fetch() of one Task (six at a time, as
        # the page does), and the server's task GETs to a plain HTTP client (six keep-alive
        # connections): which of the two bounds the page's full load.
        some = b.eval("[...cimjobUI.state.tasks.keys()].slice(0, 1)[0]")
        raw = b.eval(f"""(async () => {{ const tok = cimjobUI.state.auth.token; let n = 0;
            const t = performance.now();
            const w = async () => {{ while (n < 2000) {{ n++;
              const r = await fetch('{some}', {{headers: {{'X-Auth-Token': tok, Accept: 'application/json'}},
                cache: 'no-store', credentials: 'omit'}}); await r.text(); }} }};
            await Promise.all(Array.from({{length: 6}}, w)); return performance.now() - t; }})()""")
        browser_rate = 2000 / (raw / 1000)
        server_rate = server_gets(srv, list(b.eval("[...cimjobUI.state.tasks.keys()].slice(0, 3000)")))
        page_rate = st["taskGets"] / full
        print(f"baselines: bare fetch() in this browser {browser_rate:.0f}/s (6 at a time); the server to "
              f"http.client {server_rate:.0f}/s (6 keep-alive connections); the page's load "
              f"{page_rate:.0f} task GETs/s = {page_rate / browser_rate:.2f} of the browser's bare rate")
        if b.errors:
            print("page errors: " + "; ".join(b.errors))


def server_gets(srv, uris):
    """Task GETs per second from six keep-alive http.client connections (Basic auth)."""
    import base64
    import http.client
    host, port = srv.base.split("//")[1].rsplit(":", 1)
    user, (_, pw) = next(iter(srv.accounts.items()))
    auth = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()

    def worker(part):
        c = http.client.HTTPConnection(host, int(port), timeout=30)
        for u in part:
            c.request("GET", u, headers={"Authorization": auth})
            c.getresponse().read()
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(uris[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(uris) / (time.monotonic() - t0)


if __name__ == "__main__":
    main()
