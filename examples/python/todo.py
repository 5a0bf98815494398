#!/usr/bin/env python3
# Copyright (c) crdtdb authors.
"""A to-do list on crdtdb from Python: documents are dicts, counters and sets are CRDT fields, and
a subscription reacts to every change (docs/library.md, "Python").

    PYTHONPATH=<prefix>/lib/python3/site-packages python3 todo.py [--data-dir DIR]

Without --data-dir it works in a temporary directory and removes it. Exits non-zero if the
replica does not end up as the script expects (ctest runs it).
"""

import argparse
import sys
import tempfile

import crdtdb


def run(data_dir):
    with crdtdb.Database(data_dir) as db:
        changes = []
        # Every committed change under todos/, local or synced from a region.
        with db.subscribe("todos/", lambda key, doc, remote: changes.append((key, doc))):
            db.put("todos/1", {"title": "buy milk", "done": False})
            db.put("todos/2", {"title": "water the plants", "done": False})
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
    args = parser.parse_args()
    if args.data_dir:
        return run(args.data_dir)
    with tempfile.TemporaryDirectory(prefix="crdtdb-todo-") as data_dir:
        return run(data_dir)


if __name__ == "__main__":
    sys.exit(main())
