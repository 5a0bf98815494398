# Copyright (c) crdtdb authors.
"""crdtdb.LiveSync: a running live sync (Database.start_sync) over crdtdb_start_sync."""

import ctypes
import json

from . import _native
from ._handles import CallbackHandle
from .errors import InvalidArgumentError, error_for

_lib = _native.lib


class LiveSync(CallbackHandle):
    """A live sync with a region, running on the library's thread until close() (also by the
    `with` block, or by closing the database). state() reads where it is."""

    _what = "live sync"

    def __init__(self, database, database_handle, options, on_state):
        super().__init__(database, on_state)
        try:
            options_json = json.dumps(options, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(f"live sync options cannot be written as JSON: {e}") from None
        if on_state is not None:
            # The ctypes trampoline must live as long as the C side may call it: until close().
            self._trampoline = _native.SYNC_STATE_CALLBACK(self._deliver)
        handle = ctypes.c_void_p()
        error = ctypes.c_void_p()
        # Without on_state, a NULL function pointer: no callback.
        callback = self._trampoline or _native.SYNC_STATE_CALLBACK()
        code = _lib.crdtdb_start_sync(database_handle, options_json, callback, None,
                                      ctypes.byref(handle), ctypes.byref(error))
        message = _native.take_text(error)
        if code != 0:
            raise error_for(code, message)
        self._handle = handle

    def _deliver(self, _user, state_json):
        self._run_callback(json.loads(state_json.decode("utf-8")))

    def _release(self, handle):
        _lib.crdtdb_stop_sync(handle)

    def state(self):
        """Where the sync is now: {"target", "phase" ("starting", "syncing", "idle", "retrying",
        "stopped"), "connected", "pending_local_changes", "last_error", "last_sync_unix_ms",
        "sessions", "failures", "retry_in_ms", "documents_sent", "documents_received"}."""
        database = self._database
        database._begin()
        try:
            with database._lock:
                handle = self._handle
            if handle is None:
                raise InvalidArgumentError("the live sync is stopped")
            result = ctypes.c_void_p()
            error = ctypes.c_void_p()
            code = _lib.crdtdb_sync_state(handle, ctypes.byref(result), ctypes.byref(error))
            text = _native.take_text(result)
            message = _native.take_text(error)
            if code != 0:
                raise error_for(code, message)
            return json.loads(text)
        finally:
            database._end()
