"""A headless Chromium driven over the Chrome DevTools Protocol, for the console's browser test.

Chromium speaks the protocol over a pair of pipes (--remote-debugging-pipe: commands in on fd 3,
answers and events out on fd 4, each message JSON ended by a NUL byte), so this needs neither a
WebDriver binary nor a WebSocket library: the Python standard library and Debian's `chromium`.
Clicks and typing go through Input.* (real input events, as a person's would), and every
uncaught exception, console.error and error log entry of the page is collected.

Every wait is bounded: a call or a wait that runs out raises TimeoutError.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

# Flags that keep a test browser quiet: no first-run UI, and no traffic to anything but the pages
# the test opens (no updates, sync, safe-browsing or metrics: the test machine has no network).
_FLAGS = [
    "--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-default-apps", "--disable-extensions", "--no-pings",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--metrics-recording-only", "--password-store=basic", "--use-mock-keychain",
    "--window-size=1280,1000",
]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, executable, call_timeout_s=30.0):
        self._call_timeout_s = call_timeout_s
        self._profile = tempfile.mkdtemp(prefix="crdtdb-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        flags = list(_FLAGS)
        if os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
        self._log = open(os.path.join(self._profile, "chromium.log"), "wb")

        def pipes_on_3_and_4():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self._process = subprocess.Popen(
            [executable, *flags, "--user-data-dir=" + self._profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            pass_fds=(3, 4), preexec_fn=pipes_on_3_and_4)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._session = None
        self.errors = []   # what the page reported as errors, as text
        self.allowed = []  # substrings of network error entries the test expects (a 412 it provoked)
        self._load_fired = False
        try:
            pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
            target = pages[0]["targetId"] if pages else self.call(
                "Target.createTarget", url="about:blank")["targetId"]
            self._session = self.call("Target.attachToTarget", targetId=target,
                                      flatten=True)["sessionId"]
            for domain in ("Runtime", "Log", "Page"):
                self.call(domain + ".enable")
        except BaseException:
            self.close()  # no browser or profile left behind
            raise

    def close(self):
        try:
            self._session = None
            self.call("Browser.close", timeout_s=5)
        except (OSError, TimeoutError, RuntimeError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    # ---- the protocol ----

    def call(self, method, timeout_s=None, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout_s or self._call_timeout_s)
        while True:
            answer = self._receive(deadline)
            if answer is None:
                raise TimeoutError(method + ": no answer from the browser")
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(method + ": " + json.dumps(answer["error"]))
                return answer.get("result", {})
            self._on_event(answer)

    def _receive(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe (crashed?)")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _on_event(self, event):
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append("uncaught exception: %s (%s:%s)" % (
                text, details.get("url", ""), details.get("lineNumber", "")))
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            values = [a.get("value", a.get("description", "")) for a in params.get("args", [])]
            self.errors.append("console.%s: %s" % (params["type"], " ".join(map(str, values))))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            text = "%s: %s (%s)" % (entry["source"], entry["text"], entry.get("url", ""))
            if not (entry["source"] == "network" and any(a in text for a in self.allowed)):
                self.errors.append(text)
        elif method == "Page.loadEventFired":
            self._load_fired = True

    def pump(self, seconds):
        """Handles the events that arrive within `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            event = self._receive(deadline)
            if event is None:
                return
            self._on_event(event)

    # ---- what a test does ----

    def open(self, url, timeout_s=30):
        self._load_fired = False
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout_s
        while not self._load_fired:
            event = self._receive(deadline)
            if event is None:
                raise TimeoutError("the page did not load: " + url)
            self._on_event(event)

    def set_headers(self, headers):
        """Sends these HTTP headers with every request of the page from now on, as a proxy or a
        browser extension in front of the console would (an Authorization header)."""
        self.call("Network.enable")
        self.call("Network.setExtraHTTPHeaders", headers=headers)

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluating %s: %s" % (expression, json.dumps(result["exceptionDetails"])))
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout_s=30):
        """Waits until `expression` is truthy in the page and returns its value."""
        deadline = time.monotonic() + timeout_s
        while True:
            # An element comes back by value as {}, which Python finds false: it counts as true.
            value = self.evaluate("(v => (v instanceof Node ? true : v))(%s)" % expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("waited %d s for %s" % (timeout_s, what))
            self.pump(0.2)

    def click(self, selector, timeout_s=10):
        """Clicks the middle of the element, as a mouse would, once it is visible."""
        box = self.wait_for(
            "(() => { const e = document.querySelector(%s); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return r.width * r.height > 0 ? [r.x + r.width / 2, r.y + r.height / 2] : null; })()"
            % json.dumps(selector), "something visible to click at " + selector, timeout_s)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
                      clickCount=1)

    def type(self, selector, text, replace=True):
        """Focuses the field by a click, selects what it holds (to replace it) and types `text`."""
        self.click(selector)
        if replace:
            self.evaluate("document.querySelector(%s).select()" % json.dumps(selector))
        self.call("Input.insertText", text=text)

    def text(self, selector):
        return self.evaluate("(document.querySelector(%s) || {}).textContent" % json.dumps(selector))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))
