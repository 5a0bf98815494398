# Copyright (c) crdtdb authors.
"""What a subscription and a live sync share: a C handle with a Python callable behind a ctypes
trampoline, kept alive until the handle is closed, and closed at most once, by its own close() or
by closing its database (whose crdtdb_close frees the handles still open)."""

import threading
import traceback

from .errors import Error, InvalidArgumentError

# Which handles' callbacks run on this thread now: closing one of them from inside its own
# callback (or closing the database) would wait for itself.
_in_callback = threading.local()


def running_callbacks():
    """The ids of the handles whose callback runs on this thread (a set, maybe empty)."""
    running = getattr(_in_callback, "handles", None)
    if running is None:
        running = _in_callback.handles = set()
    return running


class CallbackHandle:
    """A C handle (self._handle, a c_void_p) whose callback is a Python callable. Subclasses set
    _trampoline and _handle, and name the C call that frees the handle in _release."""

    _what = "handle"

    def __init__(self, database, callback):
        self._database = database
        self._callback = callback
        self._trampoline = None
        self._handle = None

    def _run_callback(self, *args):
        """Calls the app's callable on the library's thread; an exception is printed (it must not
        stop the writer or the sync that delivers)."""
        running = running_callbacks()
        running.add(id(self))
        try:
            self._callback(*args)
        except Exception:  # noqa: BLE001 - an app's bug must not stop the library's thread
            traceback.print_exc()
        finally:
            running.discard(id(self))

    def _release(self, handle):
        raise NotImplementedError

    @property
    def closed(self):
        return self._handle is None

    def close(self):
        """Ends it: when it returns, the callback is not running and will not run again. Not from
        its own callback."""
        if self._handle is None:
            return
        if id(self) in running_callbacks():
            raise Error(f"a {self._what} cannot be closed from its own callback")
        database = self._database
        # As a call on the database: its close() waits for this one, so that the C side never
        # frees the same handle twice at once.
        try:
            database._begin()
        except InvalidArgumentError:
            return  # the database is closed, and its close ended this one
        try:
            with database._lock:
                handle, self._handle = self._handle, None
                database._handles.discard(self)
            if handle is not None:  # another thread's close() may have been first
                self._release(handle)
                self._trampoline = None
        finally:
            database._end()

    def _closed_by_database(self):
        self._handle = None
        self._trampoline = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
