"""The web console in a real browser (docs/http.md, "Console").

Starts three regions with real `crdtdb serve` processes on loopback ports (region a of two nodes,
the first serving HTTP with a bearer token; b and c of one node each), opens region a's console in
headless Chromium (cdp.py) and does what a person would: is refused without the token (the console's
files are behind it too), then, with the header sent as a proxy would, reads the cluster view
(both nodes, every link), sees a region that stops shown as disconnected, watches the charts move
with writes, browses a collection by pages, opens a document with concurrent values, edits it (the
change is then read back through the CLI in two regions), and edits a document that changed since
it was opened (the page shows the 412 message; the CLI shows the other change kept), creates and
deletes documents (read back through the CLI; a stale delete is refused with 412).

Any uncaught exception, console.error or unexpected error log entry in the page fails the test.
Screenshots go to $CRDTDB_ARTIFACTS (default: a folder in the temporary directory).
"""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from cdp import Browser, find_chromium

CRDTDB = os.environ.get("CRDTDB_CLI", "")
REGIONS = ("a", "b", "c")
READY_S = 60
COMMAND_TIMEOUT_S = 30


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


class Cluster:
    """Region a of two nodes (each owns half the partitions; a-1 serves HTTP on `http_port` with
    `token` required), and regions b and c of one node each."""

    NODES = {"a": ("a-1", "a-2"), "b": ("b",), "c": ("c",)}

    def __init__(self, directory):
        self.dir = directory
        token = json.loads(self.cli("http-token"))
        self.token = token["token"]
        ports = free_ports(3 * 4 + 1)
        self.http_port = ports.pop()
        lines = ["cluster: console-test", "partitions: 64", "anti_entropy_interval_ms: 300",
                 "regions:"]
        for region in REGIONS:
            lines.append("  - name: " + region)
            if len(self.NODES[region]) > 1:
                lines += ["    replication_factor: 1", "    nodes:"]
            for node in self.NODES[region]:
                indent = "    "
                if len(self.NODES[region]) > 1:
                    lines.append("      - name: " + node)
                    indent = "        "
                lines.append(indent + "data_dir: data/" + node)
                for socket_name in ("publish", "sync", "client"):
                    lines.append(indent + "%s: tcp://127.0.0.1:%d" % (socket_name, ports.pop()))
                if node == "a-1":
                    lines.append(indent + "http: 127.0.0.1:%d" % self.http_port)
        lines += ["security:", "  http_tokens:", "    - " + token["sha256"]]
        self.config = os.path.join(directory, "regions.yaml")
        with open(self.config, "w") as out:
            out.write("\n".join(lines) + "\n")
        self.servers = {}
        for region in REGIONS:
            self.start(region)
        deadline = time.monotonic() + READY_S
        for region in REGIONS:
            while subprocess.run(self.command(region, "status"), capture_output=True,
                                 timeout=COMMAND_TIMEOUT_S).returncode != 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("region %s never answered status" % region)
                time.sleep(0.2)

    def start(self, region):
        for node in self.NODES[region]:
            log = open(os.path.join(self.dir, node + ".log"), "ab")
            args = [CRDTDB, "serve", "--config", self.config, "--region", region]
            if len(self.NODES[region]) > 1:
                args += ["--node", node]
            self.servers[node] = subprocess.Popen(args, cwd=self.dir, stdin=subprocess.DEVNULL,
                                                  stdout=log, stderr=log)
            log.close()

    def stop(self, region):
        for node in self.NODES[region]:
            server = self.servers.pop(node)
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def close(self):
        for region in REGIONS:
            if any(node in self.servers for node in self.NODES[region]):
                self.stop(region)

    def command(self, region, *args):
        return [CRDTDB, "--config", self.config, "--region", region, *args]

    def cli(self, *args, check=True):
        done = subprocess.run([CRDTDB, *args], capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S, cwd=getattr(self, "dir", None))
        if check and done.returncode != 0:
            raise AssertionError("crdtdb %s: exit %d: %s" % (" ".join(args), done.returncode, done.stderr))
        return done.stdout

    def region_cli(self, region, *args):
        return self.cli("--config", self.config, "--region", region, *args)


class ConsoleInBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Both are required, not skipped: a test that quietly does not run checks nothing.
        if not CRDTDB:
            raise RuntimeError("CRDTDB_CLI must name the crdtdb binary")
        if not find_chromium():
            raise RuntimeError("no chromium: scripts/install-deps.sh installs Debian's")
        cls.tmp = tempfile.TemporaryDirectory(prefix="crdtdb-console-")
        cls.artifacts = os.environ.get("CRDTDB_ARTIFACTS") or os.path.join(cls.tmp.name, "artifacts")
        os.makedirs(cls.artifacts, exist_ok=True)
        cls.cluster = Cluster(cls.tmp.name)
        try:
            for i in range(1, 26):
                cls.cluster.region_cli("a", "put", "/todos/t%02d" % i, json.dumps({"n": i, "title": "task %d" % i}))
            # Concurrent values: an embedded store writes the same field as region a, never having
            # seen a's write, then syncs with it.
            cls.cluster.region_cli("a", "put", "/notes/shared", '{"text": "from region a"}')
            local = os.path.join(cls.tmp.name, "laptop")
            cls.cluster.cli("--data-dir", local, "put", "/notes/shared", '{"text": "from the laptop"}')
            # Through region b (one node), which passes it on to region a.
            cls.cluster.cli("--data-dir", local, "sync", "--config", cls.cluster.config, "--region", "b")
            cls.browser = Browser(find_chromium())
        except BaseException:
            cls.cluster.close()
            cls.tmp.cleanup()
            raise
        cls.url = "http://127.0.0.1:%d/" % cls.cluster.http_port

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.cluster.close()
        cls.tmp.cleanup()

    def setUp(self):
        self.browser.errors.clear()
        self.browser.allowed = []

    def tearDown(self):
        self.browser.pump(0.3)
        self.browser.screenshot(os.path.join(self.artifacts, self.id().split(".")[-1] + ".png"))
        self.assertEqual(self.browser.errors, [], "the page reported errors")

    def open_console(self):
        self.browser.set_headers({"Authorization": "Bearer " + self.cluster.token})
        self.browser.open(self.url)
        self.browser.wait_for("document.getElementById('where').textContent.includes('region a')",
                              "the first status poll answered")

    @staticmethod
    def region_state_js(region):
        """JavaScript for the state shown for `region` in the regions table (null when absent)."""
        return ("(() => { const r = document.querySelector('#regions tr[data-region=\"%s\"]');"
                " return r ? r.cells[1].textContent : null; })()" % region)

    def region_state(self, region):
        return self.browser.evaluate(self.region_state_js(region))

    def test_0_detector_catches_page_errors(self):
        # The error collection this test relies on: an exception thrown in the page is caught.
        self.browser.open("about:blank")
        self.browser.evaluate("setTimeout(() => { throw new Error('probe'); }, 0); 1")
        self.browser.pump(0.5)
        self.assertTrue(any("probe" in e for e in self.browser.errors), self.browser.errors)
        self.browser.errors.clear()

    def test_0_the_console_needs_the_token_too(self):
        # Every request needs the token, the console's own files included (interfaces.md section 7).
        self.browser.allowed += ["status of 401", "status of 403"]
        for headers, status in (({}, "unauthorized"), ({"Authorization": "Bearer wrong"}, "forbidden")):
            self.browser.set_headers(headers)
            self.browser.open(self.url)
            body = json.loads(self.browser.evaluate("document.body.textContent"))
            self.assertEqual(body["error"], status)
            self.assertIsNone(self.browser.evaluate("document.getElementById('where')"))
        self.open_console()

    def test_1_cluster_view_shows_regions_nodes_and_link_health(self):
        self.open_console()
        self.browser.wait_for("document.getElementById('where').textContent.includes('region a')",
                              "the cluster and region in the header")
        for region in ("b", "c"):
            self.browser.wait_for(self.region_state_js(region) + " === 'connected'",
                                  "region %s shown connected" % region)
        self.assertEqual(self.region_state("a"), "healthy")
        nodes = self.browser.evaluate("[...document.querySelectorAll('#nodes tbody tr')].map(r => r.dataset.node + ':' + r.cells[1].textContent)")
        self.assertEqual(nodes, ["a-1:healthy", "a-2:healthy"])
        links = self.browser.evaluate("[...document.querySelectorAll('#links tbody tr')].map(r => r.dataset.link)")
        # Every node's links to the other regions, and to the other node of its own region: nodes of
        # one region are peers even without a shared partition (they exchange the index catalog).
        self.assertEqual(sorted(links), ["a-1>a-2", "a-1>b", "a-1>c", "a-2>a-1", "a-2>b", "a-2>c"])
        self.assertEqual(self.browser.evaluate(
            "document.querySelector('#regions tr[data-region=\"b\"]').cells[3].textContent"), "a-1, a-2")
        summary = self.browser.text("#cluster-summary")
        self.assertIn("console-test", summary)
        self.assertIn("26", summary)  # documents: 25 todos and one note

        # Region c stops: its link is shown disconnected, b stays connected.
        self.cluster.stop("c")
        self.browser.wait_for(self.region_state_js("c") + " === 'disconnected'",
                              "region c shown disconnected")
        self.assertEqual(self.region_state("b"), "connected")
        for node in ("a-1", "a-2"):
            link = self.browser.evaluate(
                "document.querySelector('#links tr[data-link=\"%s>c\"]').cells[2].textContent" % node)
            self.assertEqual(link, "disconnected")

    def test_2_charts_are_drawn_from_the_polls(self):
        self.open_console()
        self.browser.click("#nav-charts")
        # Two polls (2 s apart) make one rate; writes between them make it non-zero. Write until
        # the chart shows a rate above zero, paced so the writes span several polls, bounded in
        # count and time.
        charted_js = "parseFloat(document.getElementById('chart-throughput').dataset.max || '0')"
        deadline = time.monotonic() + 30
        for i in range(600):
            self.cluster.region_cli("a", "put", "/load/w%d" % i, '{"i": %d}' % i)
            if self.browser.evaluate(charted_js) > 0 or time.monotonic() > deadline:
                break
            self.browser.pump(0.05)
        self.assertGreater(self.browser.evaluate(charted_js), 0, "no write rate charted after %d writes; page: %s" % (
            i + 1, self.browser.evaluate(
                "[document.getElementById('updated').textContent, document.getElementById('banner').textContent,"
                " location.hash, document.getElementById('legend-throughput').textContent,"
                " new Date().toLocaleTimeString()]")))
        self.browser.wait_for("document.querySelectorAll('#chart-throughput polyline, #chart-throughput circle').length > 0",
                              "a throughput line")
        lag_series = self.browser.wait_for(
            "[...document.querySelectorAll('#legend-lag span')].map(s => s.textContent.split(':')[0])",
            "the lag legend")
        self.assertIn("b", lag_series)
        self.assertGreater(self.browser.evaluate("document.querySelectorAll('#chart-lag polyline').length"), 0)
        # Region c stopped in the test before: its lag grows while it is away.
        self.assertGreater(self.browser.evaluate(
            "parseFloat([...document.querySelectorAll('#legend-lag span')].find(s => s.textContent.startsWith('c:'))"
            ".textContent.split(': ')[1])"), 0)

    def browse(self, collection):
        self.browser.click("#nav-documents")
        self.browser.wait_for("!document.getElementById('view-documents').hidden", "the documents view")
        self.browser.type("#collection", collection)
        self.browser.click("#browse")

    def ids_shown(self):
        return self.browser.evaluate("[...document.querySelectorAll('#doc-list tbody tr')].map(r => r.dataset.id)")

    def test_3_browse_pages_view_conflicts_and_edit(self):
        self.open_console()
        self.browse("todos")
        self.browser.wait_for("document.querySelectorAll('#doc-list tbody tr[data-id]').length === 20", "page 1")
        self.assertEqual(self.ids_shown(), ["t%02d" % i for i in range(1, 21)])
        self.browser.click("#page-next")
        self.browser.wait_for("document.querySelector('#doc-list tbody tr').dataset.id === 't21'", "page 2")
        self.assertEqual(self.ids_shown(), ["t%02d" % i for i in range(21, 26)])
        self.assertTrue(self.browser.evaluate("document.getElementById('page-next').disabled"))
        self.browser.click("#page-prev")
        self.browser.wait_for("document.querySelector('#doc-list tbody tr').dataset.id === 't01'", "page 1 again")

        # A document with concurrent values shows all of them, the one shown first.
        self.browse("notes")
        self.browser.wait_for("document.querySelector('#doc-list tr[data-id=\"shared\"]')", "the note")
        self.browser.click("#doc-list tr[data-id=\"shared\"] button")
        self.browser.wait_for("document.getElementById('conflict-table')", "the concurrent values")
        conflicts = self.browser.text("#conflict-table")
        self.assertIn("/text", conflicts)
        self.assertIn("from region a", conflicts)
        self.assertIn("from the laptop", conflicts)

        # An edit made in the page is what the CLI then reads.
        self.browse("todos")
        self.browser.wait_for("document.querySelector('#doc-list tr[data-id=\"t07\"]')", "t07 listed")
        self.browser.click("#doc-list tr[data-id=\"t07\"] button")
        self.browser.wait_for("document.getElementById('doc-editor').value.includes('task 7')", "t07 in the editor")
        self.browser.type("#doc-editor", '{"n": 7, "title": "edited in the console", "done": true}')
        self.browser.click("#doc-save")
        self.browser.wait_for("document.getElementById('doc-message').textContent.startsWith('Saved')", "saved")
        self.assertEqual(json.loads(self.cluster.region_cli("a", "get", "/todos/t07")),
                         {"n": 7, "title": "edited in the console", "done": True})
        # The change reached region b too.
        deadline = time.monotonic() + 30
        while json.loads(self.cluster.region_cli("b", "get", "/todos/t07")).get("done") is not True:
            self.assertLess(time.monotonic(), deadline, "the edit never reached region b")
            time.sleep(0.2)

    def test_4_a_stale_edit_shows_the_412_message(self):
        self.browser.allowed.append("status of 412")  # the conflict this test provokes
        self.open_console()
        self.browse("todos")
        self.browser.wait_for("document.querySelector('#doc-list tr[data-id=\"t09\"]')", "t09 listed")
        self.browser.click("#doc-list tr[data-id=\"t09\"] button")
        self.browser.wait_for("document.getElementById('doc-editor').value.includes('task 9')", "t09 in the editor")
        # Someone else changes it after the page read it.
        self.cluster.region_cli("a", "put", "/todos/t09", '{"n": 9, "title": "changed through the CLI"}')
        self.browser.type("#doc-editor", '{"n": 9, "title": "stale edit"}')
        self.browser.click("#doc-save")
        message = self.browser.wait_for(
            "document.getElementById('doc-message').className === 'error' && document.getElementById('doc-message').textContent",
            "the refusal")
        self.assertIn("412", message)
        self.assertIn("changed by someone else", message)
        self.assertEqual(json.loads(self.cluster.region_cli("a", "get", "/todos/t09"))["title"],
                         "changed through the CLI")
        # After a reload the edit goes through.
        self.browser.click("#doc-reload")
        self.browser.wait_for("document.getElementById('doc-editor').value.includes('changed through the CLI')",
                              "the current version")
        self.browser.type("#doc-editor", '{"n": 9, "title": "after reload"}')
        self.browser.click("#doc-save")
        self.browser.wait_for("document.getElementById('doc-message').textContent.startsWith('Saved')", "saved")
        self.assertEqual(json.loads(self.cluster.region_cli("a", "get", "/todos/t09"))["title"], "after reload")

    def test_5_create_and_delete_documents(self):
        # The create checks that the id is free (404: allowed), and the stale delete provokes a 412.
        self.browser.allowed += ["status of 404", "status of 412"]
        self.open_console()
        self.browse("todos")
        self.browser.wait_for("document.querySelector('#doc-list tr[data-id=\"t01\"]')", "t01 listed")
        self.browser.type("#new-id", "t99")
        self.browser.type("#new-body", '{"title": "made in the console"}')
        self.browser.click("#new-create")
        self.browser.wait_for("document.getElementById('new-message').textContent.startsWith('Created')", "created")
        self.assertEqual(json.loads(self.cluster.region_cli("a", "get", "/todos/t99")), {"title": "made in the console"})
        self.browser.wait_for("document.getElementById('doc-editor').value.includes('made in the console')",
                              "the new document opened")
        # An id in use is not overwritten.
        self.browser.type("#new-id", "t01")
        self.browser.type("#new-body", '{"title": "overwrite?"}')
        self.browser.click("#new-create")
        self.browser.wait_for("document.getElementById('new-message').textContent.includes('exists')", "refused")
        self.assertEqual(json.loads(self.cluster.region_cli("a", "get", "/todos/t01"))["title"], "task 1")
        # A document that is not an object is not sent.
        self.browser.type("#new-id", "t98")
        self.browser.type("#new-body", '[1]')
        self.browser.click("#new-create")
        self.browser.wait_for("document.getElementById('new-message').textContent.includes('JSON object')", "refused")

        # Delete the one made above: two clicks, then the CLI finds nothing (exit 3).
        self.browser.click("#doc-delete")
        self.browser.click("#doc-delete-confirm")
        self.browser.wait_for("document.getElementById('doc-message').textContent.startsWith('Deleted')", "deleted")
        gone = subprocess.run(self.cluster.command("a", "get", "/todos/t99"), capture_output=True,
                              timeout=COMMAND_TIMEOUT_S)
        self.assertEqual(gone.returncode, 3, gone.stderr)
        self.browser.wait_for("!document.querySelector('#doc-list tr[data-id=\"t99\"]')", "t99 gone from the list")

        # A document changed since it was opened is not deleted blindly.
        self.browser.click("#doc-list tr[data-id=\"t10\"] button")
        self.browser.wait_for("document.getElementById('doc-editor').value.includes('task 10')", "t10 in the editor")
        self.cluster.region_cli("a", "put", "/todos/t10", '{"n": 10, "title": "changed through the CLI"}')
        self.browser.click("#doc-delete")
        self.browser.click("#doc-delete-confirm")
        message = self.browser.wait_for(
            "document.getElementById('doc-message').className === 'error' && document.getElementById('doc-message').textContent",
            "the refusal")
        self.assertIn("412", message)
        self.assertEqual(json.loads(self.cluster.region_cli("a", "get", "/todos/t10"))["title"], "changed through the CLI")


if __name__ == "__main__":
    unittest.main()
