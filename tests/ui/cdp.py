"""A small Chrome DevTools Protocol client for headless Chromium (Debian's `chromium`).

Starts a private headless Chromium on loopback (a new empty profile, nothing downloaded, no
network but what the page asks for), drives one page over the DevTools WebSocket
(python3-websocket), and ends the browser by its PID (its process group, which it leads).

    with Browser() as b:
        b.goto("http://127.0.0.1:8000/ui/")
        b.wait("document.readyState === 'complete'")
        b.eval("document.title")
        b.screenshot("page.png")

Every JavaScript exception and console error of the page is kept in Browser.errors.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

try:
    import websocket  # python3-websocket
except ImportError:  # the suite reports a skip (test_ui.py)
    websocket = None

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-default-browser-check",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, width=1280, height=900, timeout=30.0):
        self.width, self.height, self.timeout = width, height, timeout
        self.proc = None
        self.ws = None
        self.profile = None
        self.next_id = 0
        self.errors = []   # page exceptions and console errors, as text
        self.events = []   # other protocol events, unread

    # ---- lifecycle ----------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        exe = find_chromium()
        if not exe:
            raise CDPError("no chromium installed")
        self.profile = tempfile.mkdtemp(prefix="cimjob-ui-chromium-")
        log = open(os.path.join(self.profile, "stderr.log"), "wb")
        self.proc = subprocess.Popen(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CDPError(f"chromium exited with {self.proc.returncode}: {self.stderr_tail()}")
            try:
                with open(port_file) as f:
                    first = f.readline().strip()
                if first:
                    port = int(first)
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        if not port:
            raise CDPError("chromium did not open its DevTools port: " + self.stderr_tail())
        url = None
        while time.monotonic() < deadline and not url:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    targets = json.load(r)
                url = next((t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"), None)
            except OSError:
                pass
            if not url:
                time.sleep(0.05)
        if not url:
            raise CDPError("chromium has no page target")
        # No Origin header: Chromium refuses DevTools connections from unlisted origins.
        self.ws = websocket.create_connection(url, timeout=self.timeout, suppress_origin=True)
        self.call("Runtime.enable")
        self.call("Page.enable")
        self.call("Log.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  width=self.width, height=self.height, deviceScaleFactor=1, mobile=False)

    def stderr_tail(self):
        try:
            with open(os.path.join(self.profile, "stderr.log"), "rb") as f:
                return f.read()[-2000:].decode(errors="replace")
        except OSError:
            return ""

    def close(self):
        if self.ws:
            try:
                self.ws.send(json.dumps({"id": 10 ** 9, "method": "Browser.close"}))
            except Exception:
                pass
            try:
                self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.proc:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            # Chromium's helpers (zygote, renderers) are in the process group it leads.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            # Helpers that outlived the main process were handed to init: wait (bounded) until
            # it has reaped them, so that nothing of the browser is left when we return.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.proc.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            self.proc = None
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    # ---- the protocol -------------------------------------------------------------------------
    def _note(self, msg):
        method = msg.get("method")
        p = msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text", "")
            self.errors.append(f"exception: {text} at {d.get('url', '')}:{d.get('lineNumber', '')}")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.errors.append("console.error: " + args)
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            # Failed requests the page expects (401 of a wrong password, 403 of a stranger's
            # task) are logged as network errors too; the test asserts on answers, not on these.
            if e.get("level") == "error" and e.get("source") not in ("network",):
                self.errors.append(f"log: {e.get('text', '')} {e.get('url', '')}")
        else:
            self.events.append(msg)
            del self.events[:-200]

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while True:
            if time.monotonic() > deadline:
                raise CDPError(f"{method}: no answer in {self.timeout} s")
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise CDPError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            self._note(msg)

    def eval(self, expr, await_promise=True):
        """The value of a JavaScript expression in the page (JSON-able), awaiting a promise."""
        r = self.call("Runtime.evaluate", expression=expr, awaitPromise=await_promise,
                      returnByValue=True, userGesture=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("page: " + (d.get("exception", {}).get("description") or d.get("text", "")))
        return r.get("result", {}).get("value")

    def wait(self, expr, timeout=45.0, what=None):
        """Evaluate expr until it is truthy; its value. CDPError after timeout seconds."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.eval(expr)
            except CDPError as e:
                last = str(e)
                if "page: " not in last:
                    raise
            else:
                if last:
                    return last
            time.sleep(0.1)
        raise CDPError(f"timed out waiting for {what or expr} (last: {last!r})")

    def block_urls(self, patterns):
        """Make the page's requests to URLs matching patterns ("*" wildcards) fail, as if the
        network dropped them; [] lifts the block."""
        if not getattr(self, "_network", False):
            self.call("Network.enable")
            self._network = True
        self.call("Network.setBlockedURLs", urls=list(patterns))

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def key(self, key, code=None, text=None):
        """Press and release one key in the focused element (Tab, Enter, ' ', ...)."""
        vk = {"Tab": 9, "Enter": 13, " ": 32, "Escape": 27}.get(key, 0)
        base = dict(key=key, code=code or key, windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)
        if text is None:
            text = {"Enter": "\r", " ": " "}.get(key)
        down = dict(base, type="keyDown")
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", **down)
        self.call("Input.dispatchKeyEvent", **dict(base, type="keyUp"))

    def type_text(self, text):
        self.call("Input.insertText", text=text)

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            m = self.call("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m.get("contentSize")
            h = max(self.height, int(size["height"]))
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": h, "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
