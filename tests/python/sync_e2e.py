# Copyright (c) crdtdb authors.
"""End to end: two Python apps sync through a real region (`crdtdb serve`, $CRDTDB_CLI) over the
C ABI's sync_with, on loopback ports picked at run time (ctest python_sync_e2e, label e2e)."""

import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import crdtdb


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class SyncWithRegionTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="crdtdb-python-sync-")
        self.root = self._dir.name
        publish, sync, client = _free_ports(3)
        self.endpoint = f"tcp://127.0.0.1:{sync}"
        self.publish_endpoint = f"tcp://127.0.0.1:{publish}"
        config = os.path.join(self.root, "regions.yaml")
        with open(config, "w") as out:
            out.write("cluster: python-e2e\n"
                      "regions:\n"
                      "  - name: r1\n"
                      "    data_dir: data/r1\n"
                      f"    publish: tcp://127.0.0.1:{publish}\n"
                      f"    sync: {self.endpoint}\n"
                      f"    client: tcp://127.0.0.1:{client}\n")
        self._log = open(os.path.join(self.root, "serve.log"), "w")
        self.server = subprocess.Popen(
            [os.environ["CRDTDB_CLI"], "serve", "--config", config, "--region", "r1"],
            cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_listening(sync)

    def _wait_listening(self, port):
        for _ in range(200):  # at most ~20 s for the server to bind its sync socket
            if self.server.poll() is not None:
                self.fail(f"crdtdb serve exited with {self.server.returncode}: {self._server_log()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.fail("crdtdb serve did not listen on its sync port: " + self._server_log())

    def _server_log(self):
        self._log.flush()
        with open(self._log.name) as log:
            return log.read()[-2000:]

    def tearDown(self):
        self.server.terminate()
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self._log.close()
        self._dir.cleanup()

    def test_two_apps_sync_through_the_region(self):
        with crdtdb.Database(os.path.join(self.root, "app-a")) as a, \
                crdtdb.Database(os.path.join(self.root, "app-b")) as b:
            for i in range(3):
                a.put(f"todos/{i}", {"title": f"todo {i}", "done": False})
            a.increment("stats/todos", "added", 3)
            report = a.sync_with(self.endpoint)
            self.assertTrue(report["in_sync"])
            self.assertEqual(report["documents_sent"], 4)

            remote = []
            with b.subscribe("todos/", lambda key, doc, is_remote: remote.append((key, is_remote))):
                report = b.sync_with(self.endpoint)
            self.assertTrue(report["in_sync"])
            self.assertEqual(report["documents_received"], 4)
            self.assertEqual(sorted(remote), [(f"todos/{i}", True) for i in range(3)])
            self.assertEqual(b.get("todos/1"), {"title": "todo 1", "done": False})

            # Concurrent edits on both sides merge: counters add up, fields of both survive.
            a.increment("stats/todos", "added")
            b.increment("stats/todos", "added", 2)
            b.patch("todos/1", {"done": True})
            a.patch("todos/1", {"note": "from a"})
            for app in (a, b, a):
                self.assertTrue(app.sync_with(self.endpoint)["in_sync"])
            for app in (a, b):
                self.assertEqual(app.get("stats/todos"), {"added": 6})
                self.assertEqual(app.get("todos/1"),
                                 {"title": "todo 1", "done": True, "note": "from a"})
            self.assertEqual(a.status()["merkle_root"], b.status()["merkle_root"])

    def test_live_sync_keeps_two_apps_in_step_without_calls(self):
        def wait_for(app, key, expected):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if app.get(key) == expected:
                        return True
                except crdtdb.NotFoundError:
                    pass
                time.sleep(0.02)
            return False

        with crdtdb.Database(os.path.join(self.root, "live-a")) as a, \
                crdtdb.Database(os.path.join(self.root, "live-b")) as b:
            idle = threading.Event()

            def on_state(state):
                if state["phase"] == "idle" and state["connected"]:
                    idle.set()
            with a.start_sync(self.endpoint, publish_endpoint=self.publish_endpoint,
                              on_state=on_state, push_delay_ms=10), \
                    b.start_sync(self.endpoint, publish_endpoint=self.publish_endpoint,
                                 push_delay_ms=10) as live_b:
                a.put_many({f"todos/{i}": {"title": f"todo {i}"} for i in range(20)})
                self.assertTrue(wait_for(b, "todos/19", {"title": "todo 19"}))
                b.patch("todos/3", {"done": True})
                self.assertTrue(wait_for(a, "todos/3", {"title": "todo 3", "done": True}))
                self.assertTrue(idle.wait(30))
                self.assertTrue(wait_for(b, "todos/0", {"title": "todo 0"}))
                self.assertGreaterEqual(live_b.state()["documents_received"], 20)
            self.assertEqual(a.status()["live_syncs"], [])


if __name__ == "__main__":
    unittest.main()
