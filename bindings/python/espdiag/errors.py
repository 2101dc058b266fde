"""espdiag.errors - the exception the binding raises, and the status codes."""
from __future__ import annotations

import enum


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
    """A failed library call: status is the negative ESPDIAG_E* code, message
    the handle's message (espdiag_registry_errmsg() and the like) or, when
    the handle has none, espdiag_strerror(status)."""

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
