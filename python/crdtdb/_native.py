# Copyright (c) crdtdb authors.
"""Loads libcrdtdb_c.so and declares the C ABI of include/crdtdb/crdtdb.h to ctypes.

ctypes rather than cffi or pybind11: it ships with Python, so the package needs nothing installed
beyond the shared object, and it works from the install tree with no compiler. The ABI is small
and takes only C strings, integers and out pointers, which ctypes describes exactly.

The library is found, in order: at $CRDTDB_LIBRARY (a path to the shared object), beside the
installed package (<libdir>/python3/site-packages/crdtdb/ -> <libdir>/libcrdtdb_c.so), then by
the system's search (ctypes.util.find_library, e.g. /usr/lib or LD_LIBRARY_PATH).
"""

import ctypes
import ctypes.util
import os
from pathlib import Path


def _library_path():
    explicit = os.environ.get("CRDTDB_LIBRARY")
    if explicit:
        return explicit
    installed = Path(__file__).resolve().parents[3] / "libcrdtdb_c.so"
    if installed.exists():
        return str(installed)
    found = ctypes.util.find_library("crdtdb_c")
    if found:
        return found
    raise ImportError(
        "crdtdb: libcrdtdb_c.so not found; set CRDTDB_LIBRARY to its path "
        "(cmake --install puts it in <prefix>/lib)")


# CDLL (not PyDLL): every call releases the GIL, so other Python threads run while one waits on
# the database, and a subscription callback on another thread can take the GIL.
lib = ctypes.CDLL(_library_path())

_db = ctypes.c_void_p
_text = ctypes.c_char_p
_out = ctypes.POINTER(ctypes.c_void_p)  # char**: a malloc'd buffer, freed with crdtdb_free
_code = ctypes.c_int

CHANGE_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                   ctypes.c_int)

SYNC_STATE_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


def _declare(name, restype, *argtypes):
    function = getattr(lib, name)
    function.restype = restype
    function.argtypes = list(argtypes)


_declare("crdtdb_code_name", ctypes.c_char_p, _code)
_declare("crdtdb_version", ctypes.c_char_p)
_declare("crdtdb_free", None, ctypes.c_void_p)
_declare("crdtdb_options_create", ctypes.c_void_p)
_declare("crdtdb_options_destroy", None, ctypes.c_void_p)
_declare("crdtdb_options_set_create_if_missing", None, ctypes.c_void_p, ctypes.c_int)
_declare("crdtdb_options_set_read_only", None, ctypes.c_void_p, ctypes.c_int)
_declare("crdtdb_options_set_durability", None, ctypes.c_void_p, ctypes.c_int)
_declare("crdtdb_options_set_cache_bytes", None, ctypes.c_void_p, ctypes.c_size_t)
_declare("crdtdb_options_set_delta_log_max_entries", None, ctypes.c_void_p, ctypes.c_uint64)
_declare("crdtdb_open", _code, _text, ctypes.c_void_p, _out, _out)
_declare("crdtdb_close", None, _db)
_declare("crdtdb_get", _code, _db, _text, _out, _out)
_declare("crdtdb_get_with_conflicts", _code, _db, _text, _out, _out)
_declare("crdtdb_put", _code, _db, _text, _text, _out, _out)
_declare("crdtdb_patch", _code, _db, _text, _text, _out, _out)
_declare("crdtdb_json_patch", _code, _db, _text, _text, _text, _out, _out)
_declare("crdtdb_get_with_base", _code, _db, _text, _out, _out)
_declare("crdtdb_text_splice", _code, _db, _text, _text, ctypes.c_size_t, ctypes.c_size_t, _text,
         _out, _out)
_declare("crdtdb_remove", _code, _db, _text, _out)
_declare("crdtdb_increment", _code, _db, _text, _text, ctypes.c_int64, _out, _out)
_declare("crdtdb_set_add", _code, _db, _text, _text, _text, _out, _out)
_declare("crdtdb_set_remove", _code, _db, _text, _text, _text, _out, _out)
_declare("crdtdb_list", _code, _db, _text, ctypes.c_size_t, _text, _out, _out)
_declare("crdtdb_find", _code, _db, _text, _text, ctypes.c_uint64, ctypes.c_uint32, _out, _out)
_declare("crdtdb_status", _code, _db, _out, _out)
_declare("crdtdb_sync_with", _code, _db, _text, _out, _out)
_declare("crdtdb_subscribe", _code, _db, _text, CHANGE_CALLBACK, ctypes.c_void_p, _out, _out)
_declare("crdtdb_unsubscribe", None, ctypes.c_void_p)
_declare("crdtdb_put_many", _code, _db, ctypes.POINTER(ctypes.c_char_p),
         ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, _out)
_declare("crdtdb_start_sync", _code, _db, _text, SYNC_STATE_CALLBACK, ctypes.c_void_p, _out, _out)
_declare("crdtdb_sync_state", _code, ctypes.c_void_p, _out, _out)
_declare("crdtdb_stop_sync", None, ctypes.c_void_p)


def take_text(buffer):
    """The text of a buffer the library returned (a c_void_p), which is freed here."""
    if not buffer.value:
        return None
    try:
        return ctypes.string_at(buffer.value).decode("utf-8")
    finally:
        lib.crdtdb_free(buffer)
