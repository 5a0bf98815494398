# Copyright (c) crdtdb authors.
"""Database.put_many and Database.start_sync without a region (tests/python/sync_e2e.py has one):
batches and their refusals, live sync options and errors, the state callback against a region
that does not answer, and the lifetime of a LiveSync."""

import os
import socket
import tempfile
import threading
import time
import unittest

import crdtdb


def _unused_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


def _wait(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class TestCase(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="crdtdb-python-batch-")
        self.db = crdtdb.Database(os.path.join(self._dir.name, "db"))

    def tearDown(self):
        self.db.close()
        self._dir.cleanup()


class PutManyTest(TestCase):
    def test_a_batch_is_one_commit_and_reads_back(self):
        commits = self.db.status()["commits"]
        self.db.put_many({f"todos/{i}": {"title": f"todo {i}", "n": i} for i in range(100)})
        self.assertEqual(self.db.status()["commits"], commits + 1)
        self.assertEqual(self.db.status()["documents"], 100)
        self.assertEqual(self.db.get("todos/42"), {"title": "todo 42", "n": 42})
        self.db.put_many([("todos/42", {"done": True}), ("notes/1", {"text": "é"})])
        self.assertEqual(self.db.get("todos/42"), {"done": True})
        self.assertEqual(self.db.get("notes/1"), {"text": "é"})
        self.db.put_many([])  # nothing to do

    def test_a_refused_batch_writes_nothing(self):
        for batch, message in (
                ([("todos/a", {}), ("nocollection", {})], "batch entry 1"),
                ([("todos/a", {}), ("todos/b", [1])], "batch entry 1"),
                ([("todos/a", {}), ("/todos/a", {})], "named twice"),
                ([("todos/a", {}), ("todos/b", {"x": float("nan")})], "batch entry 1"),
                ([("todos/a", {}), ("todos/b",)], "batch entry 1"),
                ([("todos/a", {}), (7, {})], "batch entry 1"),
                ([(f"todos/{i}", {}) for i in range(10_001)], "more than 10000")):
            with self.assertRaises(crdtdb.InvalidArgumentError) as refused:
                self.db.put_many(batch)
            self.assertIn(message, str(refused.exception))
            self.assertEqual(self.db.status()["documents"], 0)


class LiveSyncTest(TestCase):
    def test_bad_options_start_nothing(self):
        for kwargs in ({}, {"endpoint": "tcp://127.0.0.1:1", "region": "r1"},
                       {"endpoint": "tcp://127.0.0.1:1", "push_delay_ms": -1},
                       {"endpoint": "tcp://127.0.0.1:1", "push_delay_ms": "5"},
                       {"endpoint": "tcp://127.0.0.1:1", "no_such_option": 1}):
            with self.assertRaises(crdtdb.InvalidArgumentError):
                self.db.start_sync(**kwargs)
        with self.assertRaises(crdtdb.InvalidArgumentError):
            self.db.start_sync("tcp://127.0.0.1:1", on_state="not callable")
        self.assertEqual(self.db.status()["live_syncs"], [])

    def test_an_unreachable_region_is_retried_and_stop_is_final(self):
        states = []
        lock = threading.Lock()

        def on_state(state):
            with lock:
                states.append(state)
        live = self.db.start_sync(_unused_endpoint(), on_state=on_state, answer_timeout_ms=200,
                                  backoff_initial_ms=20, backoff_max_ms=100, push_delay_ms=10)
        self.db.put("todos/1", {"title": "offline"})

        def retried():
            with lock:
                return sum(s["phase"] == "retrying" and s["last_error"] != "" for s in states) >= 2
        self.assertTrue(_wait(retried))
        state = live.state()
        self.assertFalse(state["connected"])
        self.assertGreater(state["pending_local_changes"], 0)
        self.assertEqual(len(self.db.status()["live_syncs"]), 1)
        live.close()
        self.assertTrue(live.closed)
        with lock:
            self.assertEqual(states[-1]["phase"], "stopped")
            heard = len(states)
        time.sleep(0.2)
        with lock:
            self.assertEqual(len(states), heard)  # nothing after close
        with self.assertRaises(crdtdb.InvalidArgumentError):
            live.state()
        live.close()  # idempotent
        self.assertEqual(self.db.status()["live_syncs"], [])

    def test_closing_from_the_callback_is_refused_and_close_stops_syncs(self):
        errors = []
        holder = {}
        ready = threading.Event()

        def on_state(state):
            live = holder.get("live")
            if live is None or ready.is_set():
                return
            for close in (live.close, self.db.close):
                try:
                    close()
                except crdtdb.Error as e:
                    errors.append(str(e))
            ready.set()
        holder["live"] = self.db.start_sync(_unused_endpoint(), on_state=on_state,
                                            answer_timeout_ms=200, backoff_initial_ms=20)
        self.db.put("todos/1", {})  # a state change after holder is set
        self.assertTrue(ready.wait(30))
        self.assertEqual(len(errors), 2)
        quiet = self.db.start_sync(_unused_endpoint())
        self.db.close()
        self.assertTrue(holder["live"].closed)
        self.assertTrue(quiet.closed)


if __name__ == "__main__":
    unittest.main()
