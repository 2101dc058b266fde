"""espdiag.errors - the exception the binding raises, and the status codes."""
from __future__ import annotations

import enum
from typing import NoReturn


class Status(enum.IntEnum):
    """espdiag_status (common.h)."""
    OK = 0
    NOTFOUND = 1
    EINVAL = -1
    ENOMEM = -2
    EIO = -3
    EFORMAT = -4
    ETYPE = -5
    ELIMIT = -6
    EENCODING = -7
    EUNSUPPORTED = -8
    EBACKEND = -9


class EspdiagError(Exception):
    """A failed library call on bad input (a damaged or foreign file, a
    limit, an unknown rule id...): status is the negative ESPDIAG_E* code, message
    the handle's message (espdiag_registry_errmsg() and the like) or, when
    the handle has none, espdiag_strerror(status). A file that cannot be
    read raises OSError instead (FileNotFoundError for a missing one), as
    open() does; see error()."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        try:
            self.status: int = Status(status)
        except ValueError:
            self.status = status
        self.message = message

    @property
    def status_name(self) -> str:
        try:
            return "ESPDIAG_" + Status(self.status).name
        except ValueError:
            return str(self.status)

    def __str__(self) -> str:
        return f"{self.message} ({self.status_name})"


def _errno_of(filename: object) -> int:
    # The library's message carries strerror(errno) but not the number;
    # ctypes keeps the errno of the call (the library is loaded with
    # use_errno), and a directory is named as such without one.
    import ctypes
    import errno
    import os
    e = ctypes.get_errno()
    if e:
        return e
    if filename is not None and os.path.isdir(filename):  # type: ignore[arg-type]
        return errno.EISDIR
    return errno.EIO


def io_error(message: str, filename: object = None) -> OSError:
    """The OSError of a failed read (ESPDIAG_EIO): its errno picks the
    subclass (FileNotFoundError, PermissionError, NotADirectoryError, ...);
    strerror is the library's message without the leading path, filename
    the path given (str() reads as open()'s); status is Status.EIO."""
    if isinstance(filename, bytes):
        import os
        filename = os.fsdecode(filename)
    if filename is not None and message.startswith(f"{filename}: "):
        message = message[len(f"{filename}: "):]  # str() names the file, as open()'s does
    exc = OSError(_errno_of(filename), message, *([filename] if filename is not None else []))
    exc.status = Status.EIO  # type: ignore[attr-defined]
    return exc


def error(status: int, message: str, filename: object = None) -> Exception:
    """The exception of a failed call: OSError (see io_error()) for
    ESPDIAG_EIO, EspdiagError for the others (bad input, limits, ...)."""
    if status == Status.EIO:
        return io_error(message, filename)
    return EspdiagError(status, message)


def raise_status(status: int, message: str, filename: object = None) -> "NoReturn":
    raise error(status, message, filename)
