# Copyright (c) crdtdb authors.
"""crdtdb for Python: the embedded CRDT document database over its C ABI (docs/library.md).

    import crdtdb
    with crdtdb.Database("todo-data") as db:
        db.put("todos/1", {"title": "milk", "done": False})
        print(db.get("todos/1")["title"])
"""

from . import _native
from .database import Database, Subscription
from .live_sync import LiveSync
from .errors import (CorruptionError, Error, InternalError, InvalidArgumentError, NotFoundError,
                     StorageError, UnavailableError)

__version__ = _native.lib.crdtdb_version().decode("ascii")

__all__ = ["Database", "Subscription", "LiveSync", "Error", "InvalidArgumentError", "NotFoundError",
           "CorruptionError", "StorageError", "UnavailableError", "InternalError", "__version__"]
