# Copyright (c) crdtdb authors.
"""The exceptions of crdtdb: one per error code of the C ABI (crdtdb_code)."""


class Error(Exception):
    """A crdtdb call failed. `code` is the C ABI's crdtdb_code, `message` says why."""

    code = 6  # CRDTDB_INTERNAL for errors raised without a more precise class

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidArgumentError(Error, ValueError):
    """The input is wrong (bad key, document, query, a field of another kind); nothing changed."""
    code = 1


class NotFoundError(Error, LookupError):
    """The document does not exist (or was deleted)."""
    code = 2


class CorruptionError(Error):
    """Stored or received bytes fail validation."""
    code = 3


class StorageError(Error, OSError):
    """The operating system or the storage refused (CRDTDB_IO_ERROR)."""
    code = 4


class UnavailableError(Error, ConnectionError):
    """A region could not be reached in time, or a sorted query ran out of its bounds."""
    code = 5


class InternalError(Error):
    """A broken invariant in crdtdb (a bug), or an exception inside the library."""
    code = 6


_BY_CODE = {cls.code: cls for cls in
            (InvalidArgumentError, NotFoundError, CorruptionError, StorageError,
             UnavailableError, InternalError)}


def error_for(code, message):
    """The exception for a crdtdb_code and its message (an unknown code is an InternalError)."""
    cls = _BY_CODE.get(code, InternalError)
    return cls(message or f"crdtdb error {code}")
