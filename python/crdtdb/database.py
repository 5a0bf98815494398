# Copyright (c) crdtdb authors.
"""crdtdb.Database: an embedded crdtdb replica for Python, over the C ABI (crdtdb.h).

Documents go in and come out as dicts (JSON objects); each call has the meaning, the limits and
the errors of the C++ call of the same name (docs/library.md).
"""

import ctypes
import json
import threading

from . import _native
from ._handles import CallbackHandle, running_callbacks
from .errors import Error, InvalidArgumentError, error_for
from .live_sync import LiveSync

_lib = _native.lib
_DURABILITY = {"buffered": 0, "sync": 1}


def _text(value, name):
    """`value` (a str) as the NUL-terminated UTF-8 bytes the C ABI takes."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(f"{name} contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError(f"{name} is not valid Unicode: {e}") from None


def _json_text(value, name):
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(f"{name} cannot be written as JSON: {e}") from None


def _call(function, *args, out=True):
    """Calls a C ABI function whose last arguments are (char** result, char** error); returns the
    result as text (None when `out` is False), or raises the error's exception."""
    result = ctypes.c_void_p()
    error = ctypes.c_void_p()
    if out:
        code = function(*args, ctypes.byref(result), ctypes.byref(error))
    else:
        code = function(*args, ctypes.byref(error))
    text = _native.take_text(result)
    message = _native.take_text(error)
    if code != 0:
        raise error_for(code, message)
    return text


def _count(value, name, bits):
    """A non-negative int that fits the C ABI's unsigned argument (ctypes would wrap it)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**bits:
        raise InvalidArgumentError(f"{name} must be an int in [0, 2**{bits}), not {value!r}")
    return value


def _document(text):
    return None if text is None else json.loads(text)


class Subscription(CallbackHandle):
    """A running subscription (Database.subscribe). close() ends it; also a context manager."""

    _what = "subscription"

    def __init__(self, database, database_handle, prefix, callback):
        super().__init__(database, callback)
        # The ctypes trampoline must live as long as the C side may call it: until close().
        self._trampoline = _native.CHANGE_CALLBACK(self._deliver)
        handle = ctypes.c_void_p()
        error = ctypes.c_void_p()
        code = _lib.crdtdb_subscribe(database_handle, _text(prefix, "prefix"), self._trampoline,
                                     None, ctypes.byref(handle), ctypes.byref(error))
        message = _native.take_text(error)
        if code != 0:
            raise error_for(code, message)
        self._handle = handle

    def _deliver(self, _user, key, document, remote):
        self._run_callback(key.decode("utf-8"),
                           _document(document and document.decode("utf-8")), bool(remote))

    def _release(self, handle):
        _lib.crdtdb_unsubscribe(handle)


class Database:
    """An embedded crdtdb replica in the directory `path` (created if missing).

    Use it as a context manager, or call close(). It may be used from many threads at once.
    """

    def __init__(self, path, *, create_if_missing=True, read_only=False, durability="buffered",
                 cache_bytes=None, delta_log_max_entries=None):
        if durability not in _DURABILITY:
            raise InvalidArgumentError(
                f"durability must be 'buffered' or 'sync', not {durability!r}")
        self._handle = None
        self._handles = set()  # the subscriptions and live syncs still open
        self._lock = threading.Condition()
        self._calls = 0  # calls under way; close() waits for them
        options = _lib.crdtdb_options_create()
        if not options:
            raise MemoryError("crdtdb_options_create")
        try:
            _lib.crdtdb_options_set_create_if_missing(options, int(bool(create_if_missing)))
            _lib.crdtdb_options_set_read_only(options, int(bool(read_only)))
            _lib.crdtdb_options_set_durability(options, _DURABILITY[durability])
            if cache_bytes is not None:
                _lib.crdtdb_options_set_cache_bytes(options, cache_bytes)
            if delta_log_max_entries is not None:
                _lib.crdtdb_options_set_delta_log_max_entries(options, delta_log_max_entries)
            handle = ctypes.c_void_p()
            error = ctypes.c_void_p()
            code = _lib.crdtdb_open(_text(str(path), "path"), options, ctypes.byref(handle),
                                    ctypes.byref(error))
            message = _native.take_text(error)
            if code != 0:
                raise error_for(code, message)
            self._handle = handle
        finally:
            _lib.crdtdb_options_destroy(options)

    # ---- lifetime ----

    @property
    def closed(self):
        return self._handle is None

    def close(self):
        """Stops every live sync, ends every subscription and closes the database; waits for calls
        under way on other threads. Idempotent. Not from a subscription's or live sync's callback."""
        if running_callbacks():
            raise Error("a database cannot be closed from a subscription's or live sync's callback")
        with self._lock:
            if self._handle is None:
                return
            handle, self._handle = self._handle, None
            while self._calls:
                self._lock.wait()
            handles, self._handles = self._handles, set()
        _lib.crdtdb_close(handle)  # frees the subscriptions' and live syncs' C side too
        for open_handle in handles:
            open_handle._closed_by_database()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing can be raised from a finalizer
            pass

    def _begin(self):
        with self._lock:
            if self._handle is None:
                raise InvalidArgumentError("the database is closed")
            self._calls += 1
            return self._handle

    def _end(self):
        with self._lock:
            self._calls -= 1
            if not self._calls:
                self._lock.notify_all()

    def _run(self, name, *args, out=True):
        handle = self._begin()
        try:
            return _call(getattr(_lib, name), handle, *args, out=out)
        finally:
            self._end()

    # ---- documents ----

    def get(self, key):
        """The document as a dict; NotFoundError if it does not exist or was deleted."""
        return _document(self._run("crdtdb_get", _text(key, "key")))

    def get_with_conflicts(self, key):
        """{"doc": {...}, "conflicts": {"/pointer": [values, the shown one first]}}."""
        return _document(self._run("crdtdb_get_with_conflicts", _text(key, "key")))

    def put(self, key, document):
        """Creates or replaces the document (a dict); returns it as stored."""
        return _document(self._run("crdtdb_put", _text(key, "key"),
                                   _json_text(document, "document")))

    def patch(self, key, merge_patch):
        """Applies an RFC 7396 merge patch (a dict; None removes a field); returns the document."""
        return _document(self._run("crdtdb_patch", _text(key, "key"),
                                   _json_text(merge_patch, "merge_patch")))

    def json_patch(self, key, patch, base=None):
        """Applies an RFC 6902 JSON Patch (a list of operation dicts, or its JSON text) as one
        write, creating the document if missing; returns the document. `base`: a base version
        from get_with_base, against which list indexes are resolved (docs/crdt.md section 7).
        A failing operation raises InvalidArgumentError and changes nothing."""
        body = _text(patch, "patch") if isinstance(patch, str) else _json_text(patch, "patch")
        return _document(self._run("crdtdb_json_patch", _text(key, "key"), body,
                                   None if base is None else _text(base, "base")))

    def get_with_base(self, key):
        """{"doc": {...}, "base": VERSION}: the document and the base version json_patch takes."""
        return _document(self._run("crdtdb_get_with_base", _text(key, "key")))

    def text_splice(self, key, field, pos, delete_count, insert=""):
        """Removes `delete_count` characters from `pos` of the text `field` ("name" or "/a/b") and
        inserts the str `insert` there; returns the document. Positions count Unicode code points,
        as Python's str does: text[pos:pos + delete_count] is what goes. A missing field becomes a
        text; a field that is not a text (a str written by put is not: write {"$text": "..."}),
        a range out of the text, raise InvalidArgumentError and change nothing."""
        return _document(self._run(
            "crdtdb_text_splice", _text(key, "key"), _text(field, "field"),
            _count(pos, "pos", 8 * ctypes.sizeof(ctypes.c_size_t)),
            _count(delete_count, "delete_count", 8 * ctypes.sizeof(ctypes.c_size_t)),
            _text(insert, "insert")))

    def remove(self, key):
        """Deletes the document; NotFoundError if it does not exist."""
        self._run("crdtdb_remove", _text(key, "key"), out=False)

    def increment(self, key, field, by=1):
        """Adds `by` to the counter `field` ("name" or "/a/b"); returns the document."""
        if not isinstance(by, int) or isinstance(by, bool):
            raise InvalidArgumentError(f"by must be an int, not {type(by).__name__}")
        if not -2**63 <= by < 2**63:
            raise InvalidArgumentError("by is out of the range of a 64-bit integer")
        return _document(self._run("crdtdb_increment", _text(key, "key"), _text(field, "field"),
                                   by))

    def set_add(self, key, field, element):
        """Adds a scalar (None, bool, number, str) to the add-wins set `field`."""
        return _document(self._run("crdtdb_set_add", _text(key, "key"), _text(field, "field"),
                                   _json_text(element, "element")))

    def set_remove(self, key, field, element):
        """Removes a scalar from the add-wins set `field`."""
        return _document(self._run("crdtdb_set_remove", _text(key, "key"), _text(field, "field"),
                                   _json_text(element, "element")))

    # ---- collections ----

    def list(self, collection, limit=0, start_after=None):
        """One page: {"documents": [{"id", "doc"}], "next_start_after": id or None}."""
        return _document(self._run(
            "crdtdb_list", _text(collection, "collection"), _count(limit, "limit", 32),
            None if start_after is None else _text(start_after, "start_after")))

    def documents(self, collection, page_size=1000):
        """Every live document of `collection` in id order, as (id, dict), a page at a time."""
        start_after = None
        while True:
            page = self.list(collection, page_size, start_after)
            for listed in page["documents"]:
                yield listed["id"], listed["doc"]
            start_after = page["next_start_after"]
            if start_after is None:
                return

    def find(self, collection, query, max_examined=0, deadline_ms=0):
        """One page of a Mango query (a dict, docs/queries.md):
        {"documents": [{"id", "doc"}], "bookmark": str or None, "examined": N}."""
        return _document(self._run(
            "crdtdb_find", _text(collection, "collection"), _json_text(query, "query"),
            _count(max_examined, "max_examined", 64), _count(deadline_ms, "deadline_ms", 32)))

    def status(self):
        """Figures of the local replica (replica_id, documents, merkle_root, ...)."""
        return _document(self._run("crdtdb_status"))

    def sync_with(self, endpoint):
        """Syncs both ways with a region's sync endpoint ("tcp://HOST:PORT"); returns the report."""
        return _document(self._run("crdtdb_sync_with", _text(endpoint, "endpoint")))

    def put_many(self, documents):
        """Creates or replaces many documents in one atomic commit (PouchDB's bulkDocs):
        `documents` is a dict {key: document} or an iterable of (key, document) pairs. All or
        none: InvalidArgumentError names the first bad entry and nothing is written. At most
        10,000 documents and 64 MiB per call. Returns None (get reads the documents back)."""
        pairs = list(documents.items() if isinstance(documents, dict) else documents)
        count = len(pairs)
        keys = (ctypes.c_char_p * count)()
        jsons = (ctypes.c_char_p * count)()
        for i, pair in enumerate(pairs):
            try:
                key, document = pair
            except (TypeError, ValueError):
                raise InvalidArgumentError(f"batch entry {i}: not a (key, document) pair") from None
            keys[i] = _text(key, f"batch entry {i}: key")
            jsons[i] = _json_text(document, f"batch entry {i}: document")
        self._run("crdtdb_put_many", keys, jsons, count, out=False)

    # ---- subscriptions ----

    def subscribe(self, prefix, callback):
        """Calls callback(key, document or None when deleted, remote) for every committed change of
        a document whose key starts with `prefix`, until the returned Subscription is closed.

        The callback runs on the thread that committed the change (holding the GIL meanwhile),
        after the commit; it may read and write the database, and should return quickly. An
        exception it raises is printed and does not affect the write."""
        if not callable(callback):
            raise InvalidArgumentError("callback is not callable")
        handle = self._begin()
        try:
            subscription = Subscription(self, handle, prefix, callback)
            with self._lock:
                self._handles.add(subscription)
            return subscription
        finally:
            self._end()

    # ---- live sync ----

    def start_sync(self, endpoint=None, *, publish_endpoint=None, config_path=None, region=None,
                   on_state=None, **options):
        """Starts a live sync with a region (docs/library.md, "Live sync"): on a thread of the
        library's own, until the returned LiveSync is closed or the database is, local writes are
        pushed within push_delay_ms and the region's changes pulled as its delta stream shows
        them, with retries while it is unreachable. Name the region by `endpoint` (its sync
        endpoint; with `publish_endpoint` its delta stream, for remote changes at once) or by
        `config_path` and `region`. `options`: client_key_file, server_public_key, and in ms
        push_delay_ms, poll_interval_ms, backoff_initial_ms, backoff_max_ms, answer_timeout_ms.

        on_state(state), if given, hears every change of the state (a dict: phase, connected,
        pending_local_changes, last_error, ...) on the sync's thread: it should return quickly,
        may use the database, and must not close this LiveSync or the database."""
        if on_state is not None and not callable(on_state):
            raise InvalidArgumentError("on_state is not callable")
        named = {"endpoint": endpoint, "publish_endpoint": publish_endpoint,
                 "config_path": config_path, "region": region}
        named.update(options)
        handle = self._begin()
        try:
            live_sync = LiveSync(self, handle, {k: v for k, v in named.items() if v is not None},
                                 on_state)
            with self._lock:
                self._handles.add(live_sync)
            return live_sync
        finally:
            self._end()
