# Copyright (c) crdtdb authors.
"""The Python package over libcrdtdb_c.so (CRDTDB_LIBRARY): every call, its errors, subscriptions
across threads, and the lifetime of databases and callbacks."""

import contextlib
import io
import math
import os
import tempfile
import threading
import unittest

import crdtdb


class DatabaseTestCase(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="crdtdb-python-")
        self.root = self._dir.name
        self.db = crdtdb.Database(os.path.join(self.root, "db"))

    def tearDown(self):
        self.db.close()
        self._dir.cleanup()


class DocumentsTest(DatabaseTestCase):
    def test_put_get_round_trip(self):
        todo = {"title": "café ☕", "done": False, "n": 3, "ratio": 0.5,
                "nested": {"a": [1, "x", None]}}
        self.assertEqual(self.db.put("todos/1", todo), todo)
        self.assertEqual(self.db.get("todos/1"), todo)

    def test_patch_increment_sets_remove(self):
        self.db.put("todos/1", {"title": "milk", "done": False})
        self.assertEqual(self.db.patch("todos/1", {"done": True, "title": None}), {"done": True})
        self.db.increment("todos/1", "votes")
        self.assertEqual(self.db.increment("todos/1", "votes", -3)["votes"], -2)
        self.db.set_add("todos/1", "tags", "shop")
        self.assertEqual(self.db.set_add("todos/1", "tags", 7)["tags"], ["shop", 7])
        self.assertEqual(self.db.set_remove("todos/1", "tags", 7)["tags"], ["shop"])
        self.assertEqual(self.db.get_with_conflicts("todos/1"),
                         {"doc": {"done": True, "tags": ["shop"], "votes": -2}, "conflicts": {}})
        self.db.remove("todos/1")
        with self.assertRaises(crdtdb.NotFoundError):
            self.db.get("todos/1")
        with self.assertRaises(crdtdb.NotFoundError):
            self.db.remove("todos/1")

    def test_errors_map_to_exceptions_and_change_nothing(self):
        self.db.put("todos/1", {"title": "milk"})
        cases = [
            lambda: self.db.put("no-collection", {}),
            lambda: self.db.put("todos/1", [1, 2]),
            lambda: self.db.put("todos/1", {"x": math.nan}),
            lambda: self.db.put("todos/1", {"x": object()}),
            lambda: self.db.put("todos/\0", {}),
            lambda: self.db.put(7, {}),
            lambda: self.db.increment("todos/1", "title"),
            lambda: self.db.increment("todos/1", "n", 2**63),
            lambda: self.db.increment("todos/1", "n", 1.5),
            lambda: self.db.set_add("todos/1", "title", "x"),
            lambda: self.db.set_add("todos/1", "tags", [1]),
            lambda: self.db.find("todos", {"selector": {"n": {"$bogus": 1}}}),
            lambda: self.db.list("a/b"),
            lambda: self.db.list("a", limit=-1),
            lambda: self.db.find("a", {"selector": {}}, max_examined=-1),
        ]
        for case in cases:
            with self.assertRaises(crdtdb.InvalidArgumentError) as caught:
                case()
            self.assertIsInstance(caught.exception, ValueError)
            self.assertEqual(caught.exception.code, 1)
            self.assertTrue(str(caught.exception))
        self.assertEqual(self.db.get("todos/1"), {"title": "milk"})
        with self.assertRaises(crdtdb.NotFoundError) as caught:
            self.db.get("todos/2")
        self.assertIsInstance(caught.exception, LookupError)
        self.assertEqual(caught.exception.code, 2)


class JsonPatchAndTextTest(DatabaseTestCase):
    def test_json_patch_with_and_without_a_base(self):
        self.assertEqual(self.db.json_patch("lists/1", [{"op": "add", "path": "/l",
                                                         "value": ["a", "b"]}]), {"l": ["a", "b"]})
        read = self.db.get_with_base("lists/1")
        self.assertEqual(read["doc"], {"l": ["a", "b"]})
        self.db.json_patch("lists/1", '[{"op":"add","path":"/l/0","value":"new"}]')
        # With the base, index 1 is right after "a", as the reader saw the list.
        self.assertEqual(self.db.json_patch("lists/1", [{"op": "add", "path": "/l/1", "value": "x"}],
                                            base=read["base"]), {"l": ["new", "a", "x", "b"]})
        for bad in ([{"op": "remove", "path": "/l/9"}], [{"op": "test", "path": "/l/0", "value": 1}],
                    {"op": "add"}, "[", [{"op": "bogus", "path": "/l"}]):
            with self.assertRaises(crdtdb.InvalidArgumentError):
                self.db.json_patch("lists/1", bad)
        with self.assertRaises(crdtdb.InvalidArgumentError):
            self.db.json_patch("lists/1", [], base="garbage")
        self.assertEqual(self.db.get("lists/1"), {"l": ["new", "a", "x", "b"]})

    def test_text_splice_counts_code_points_like_str(self):
        self.db.put("notes/1", {"body": {"$text": "café au lait"}, "title": "t"})
        body = "café au lait"
        # pos and delete_count are str indexes: é and 😀 are one character each.
        self.assertEqual(self.db.text_splice("notes/1", "body", 3, 2, "😀")["body"],
                         body[:3] + "😀" + body[5:])
        self.assertEqual(self.db.text_splice("notes/1", "/body", 0, 0, "un ")["body"], "un caf😀au lait")
        self.assertEqual(self.db.text_splice("notes/2", "body", 0, 0, "new"), {"body": "new"})
        # A JSON Patch writes a text whole: a replace changes what differs and it stays a text.
        self.db.json_patch("notes/1", [{"op": "replace", "path": "/body", "value": "un café"}])
        self.assertEqual(self.db.text_splice("notes/1", "body", 7, 0, "!")["body"], "un café!")
        bad = [
            lambda: self.db.text_splice("notes/1", "body", 9, 0, "x"),
            lambda: self.db.text_splice("notes/1", "body", 0, 9),
            lambda: self.db.text_splice("notes/1", "title", 0, 0, "x"),
            lambda: self.db.text_splice("notes/1", "body", -1, 0, "x"),
            lambda: self.db.text_splice("notes/1", "body", 0, 0, "\ud800"),
            lambda: self.db.text_splice("notes/1", "body", 0, 0, 7),
            lambda: self.db.json_patch("notes/1", [{"op": "add", "path": "/body/1", "value": "x"}]),
        ]
        for case in bad:
            with self.assertRaises(crdtdb.InvalidArgumentError):
                case()
        self.assertEqual(self.db.get("notes/1"), {"body": "un café!", "title": "t"})


class CollectionsTest(DatabaseTestCase):
    def test_list_pages_and_documents(self):
        for i in range(5):
            self.db.put(f"fruit/{i}", {"n": i})
        page = self.db.list("fruit", limit=2)
        self.assertEqual(page, {"documents": [{"id": "0", "doc": {"n": 0}},
                                              {"id": "1", "doc": {"n": 1}}],
                                "next_start_after": "1"})
        self.assertEqual([d["id"] for d in self.db.list("fruit", 10, "3")["documents"]], ["4"])
        self.assertEqual(list(self.db.documents("fruit", page_size=2)),
                         [(str(i), {"n": i}) for i in range(5)])
        self.assertEqual(list(self.db.documents("empty")), [])

    def test_find(self):
        for i in range(5):
            self.db.put(f"fruit/{i}", {"n": i, "even": i % 2 == 0})
        page = self.db.find("fruit", {"selector": {"even": True}, "sort": [{"n": "desc"}],
                                      "fields": ["n"]})
        self.assertEqual([d["doc"] for d in page["documents"]], [{"n": 4}, {"n": 2}, {"n": 0}])
        self.assertIsNone(page["bookmark"])
        self.assertEqual(page["examined"], 5)
        bounded = self.db.find("fruit", {"selector": {}}, max_examined=2)
        self.assertEqual(bounded["examined"], 2)
        self.assertIsNotNone(bounded["bookmark"])

    def test_status(self):
        self.db.put("a/1", {})
        status = self.db.status()
        self.assertEqual(status["documents"], 1)
        self.assertTrue(status["healthy"])
        self.assertEqual(len(status["replica_id"]), 16)


class OpenCloseTest(unittest.TestCase):
    def test_options_bad_paths_and_closed_database(self):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "db")
            with crdtdb.Database(path, durability="sync", cache_bytes=1 << 20) as db:
                db.put("a/1", {"x": 1})
            self.assertTrue(db.closed)
            with self.assertRaises(crdtdb.InvalidArgumentError):
                db.get("a/1")
            db.close()  # idempotent
            with crdtdb.Database(path, read_only=True) as db:
                self.assertEqual(db.get("a/1"), {"x": 1})
                with self.assertRaises(crdtdb.Error):
                    db.put("a/1", {"x": 2})
            with self.assertRaises(crdtdb.Error):
                crdtdb.Database(os.path.join(root, "missing"), create_if_missing=False)
            with self.assertRaises(crdtdb.InvalidArgumentError):
                crdtdb.Database(path, delta_log_max_entries=0)
            with self.assertRaises(crdtdb.InvalidArgumentError):
                crdtdb.Database(path, durability="fast")
            with open(os.path.join(root, "file"), "w"):
                pass
            with self.assertRaises(crdtdb.Error) as caught:
                crdtdb.Database(os.path.join(root, "file", "db"))
            self.assertTrue(caught.exception.message)

    def test_sync_with_a_bad_endpoint_fails(self):
        with tempfile.TemporaryDirectory() as root, crdtdb.Database(root + "/db") as db:
            with self.assertRaises(crdtdb.Error):
                db.sync_with("not an endpoint")

    def test_version(self):
        self.assertRegex(crdtdb.__version__, r"^\d+\.\d+\.\d+$")


class CloseWhileInUseTest(DatabaseTestCase):
    def test_close_waits_for_calls_on_other_threads(self):
        for i in range(20):
            self.db.put(f"a/{i}", {"i": i})
        outcomes = []
        reading = threading.Barrier(4)

        def reader():
            reading.wait()
            try:
                for _ in range(100_000):  # bounded; close() ends it long before
                    for i in range(20):
                        self.assertEqual(self.db.get(f"a/{i}"), {"i": i})
                outcomes.append("not stopped")
            except crdtdb.InvalidArgumentError as e:
                outcomes.append(str(e))
        threads = [threading.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        reading.wait()
        self.db.close()
        for thread in threads:
            thread.join()
        self.assertEqual(outcomes, ["the database is closed"] * 3)


class SubscribeTest(DatabaseTestCase):
    def test_delivery_prefix_delete_and_close(self):
        seen = []
        subscription = self.db.subscribe("todos/", lambda *change: seen.append(change))
        self.db.put("todos/1", {"title": "milk"})
        self.db.put("other/1", {})
        self.db.remove("todos/1")
        self.assertEqual(seen, [("todos/1", {"title": "milk"}, False), ("todos/1", None, False)])
        subscription.close()
        self.assertTrue(subscription.closed)
        self.db.put("todos/2", {})
        self.assertEqual(len(seen), 2)
        subscription.close()  # idempotent

    def test_callback_may_use_the_database_and_its_errors_do_not_break_writes(self):
        def copy_and_fail(key, document, remote):
            self.db.put("copies/" + key.split("/")[1], document)
            raise RuntimeError("app bug")
        with self.db.subscribe("todos/", copy_and_fail), \
                contextlib.redirect_stderr(io.StringIO()) as stderr:
            self.db.put("todos/1", {"title": "milk"})
        self.assertIn("app bug", stderr.getvalue())
        self.assertEqual(self.db.get("copies/1"), {"title": "milk"})
        self.assertEqual(self.db.get("todos/1"), {"title": "milk"})

    def test_closing_from_a_callback_is_refused(self):
        errors = []
        holder = {}

        def close_things(key, document, remote):
            for close in (holder["subscription"].close, self.db.close):
                try:
                    close()
                except crdtdb.Error as e:
                    errors.append(str(e))
        holder["subscription"] = self.db.subscribe("", close_things)
        self.db.put("a/1", {})
        self.assertEqual(len(errors), 2)
        self.assertFalse(self.db.closed)

    def test_changes_from_many_threads(self):
        lock = threading.Lock()
        keys = []

        def record(key, document, remote):
            with lock:
                keys.append(key)
        self.db.subscribe("t/", record)

        def writer(n):
            for i in range(25):
                self.db.put(f"t/{n}-{i}", {"i": i})
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(keys), sorted(f"t/{n}-{i}" for n in range(4) for i in range(25)))
        self.assertEqual(self.db.status()["documents"], 100)

    def test_close_ends_open_subscriptions(self):
        seen = []
        subscription = self.db.subscribe("", lambda *change: seen.append(change))
        self.db.put("a/1", {})
        self.db.close()
        self.assertTrue(subscription.closed)
        subscription.close()  # nothing left to end
        self.assertEqual(len(seen), 1)


if __name__ == "__main__":
    unittest.main()
