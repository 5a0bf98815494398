#!/usr/bin/env python3
# Copyright (c) crdtdb authors.
"""A to-do list on crdtdb from Python: documents are dicts, counters and sets are CRDT fields, and
a subscription reacts to every change (docs/library.md, "Python").

    PYTHONPATH=<prefix>/lib/python3/site-packages python3 todo.py [--data-dir DIR]
        [--sync tcp://HOST:PORT [--publish tcp://HOST:PORT]]

Without --data-dir it works in a temporary directory and removes it. With --sync it keeps the
list in step with a region (a live sync, pushing the writes below as they happen) and waits up to
10 s for the region to hold them before it exits. Exits non-zero if the replica does not end up as
the script expects (ctest runs it).
"""

import argparse
import sys
import tempfile
import threading
import time

import crdtdb


def run(data_dir, endpoint=None, publish=None):
    with crdtdb.Database(data_dir) as db:
        if endpoint is None:
            return edit(db)
        latest = {}
        changed = threading.Condition()

        def show(state):  # on the sync's thread, at every change of its state
            print(f"sync: {state['phase']}, {state['pending_local_changes']} to push"
                  + (f" ({state['last_error']})" if state["last_error"] else ""))
            with changed:
                latest.update(state)
                changed.notify_all()
        with db.start_sync(endpoint, publish_endpoint=publish, on_state=show):
            result = edit(db)
            done_ms = time.time() * 1000
            # Synced once a session that started after the last write found both sides equal.
            with changed:
                if not changed.wait_for(lambda: latest.get("pending_local_changes") == 0 and
                                        latest["last_sync_unix_ms"] >= done_ms, timeout=10):
                    print("the region did not get every write within 10 s")
                    result = 1
        return result


def edit(db):
    changes = []
    # Every committed change under todos/, local or synced from a region.
    with db.subscribe("todos/", lambda key, doc, remote: changes.append((key, doc))):
        db.put_many({"todos/1": {"title": "buy milk", "done": False},      # one commit
                     "todos/2": {"title": "water the plants", "done": False}})
        db.patch("todos/1", {"done": True})
        db.set_add("todos/2", "tags", "garden")
        db.increment("stats/todos", "added", 2)
        db.increment("stats/todos", "completed")

    for todo_id, todo in db.documents("todos"):
        tags = ", ".join(todo.get("tags", []))
        print(f"[{'x' if todo['done'] else ' '}] {todo_id} {todo['title']}"
              + (f" ({tags})" if tags else ""))
    stats = db.get("stats/todos")
    print(f"ever added {stats['added']}, completed {stats['completed']}")

    open_todos = db.find("todos", {"selector": {"done": False}, "fields": ["title"]})
    print("open:", [d["doc"]["title"] for d in open_todos["documents"]])

    try:
        db.increment("todos/1", "title")  # a register is not a counter
    except crdtdb.InvalidArgumentError as e:
        print("refused:", e)
    try:
        db.get("todos/99")
    except crdtdb.NotFoundError:
        print("todos/99: not found")

    expected_changes = 4
    ok = (len(changes) == expected_changes and open_todos["documents"][0]["doc"] ==
          {"title": "water the plants"} and stats == {"added": 2, "completed": 1})
    print(f"{len(changes)} changes seen by the subscription")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the database directory (default: a temporary one)")
    parser.add_argument("--sync", metavar="ENDPOINT", help="a region's sync endpoint: live sync")
    parser.add_argument("--publish", metavar="ENDPOINT", help="the region's publish endpoint")
    args = parser.parse_args()
    if args.data_dir:
        return run(args.data_dir, args.sync, args.publish)
    with tempfile.TemporaryDirectory(prefix="crdtdb-todo-") as data_dir:
        return run(data_dir, args.sync, args.publish)


if __name__ == "__main__":
    sys.exit(main())
