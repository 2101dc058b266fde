"""espdiag._util - the conventions every class of the binding follows.

One small module so that a new class (a log's apps, an event) adopts them
with a few lines:

NamedEnum
    An enum field is a member of a ``NamedEnum``: a ``str`` mixin whose
    value is the library's name ("error", "device_setup"), so it compares
    equal to that name (``f.severity == "error"``), prints as it, goes into
    JSON as it, and carries the C number as ``.number``. Declare members as
    ``ERROR = "error", 3``; read a library number with ``Cls.of_number(n)``
    and a library name with ``Cls(name)``. A name this binding does not know
    (a newer library) still gives a member (``_missing_``), so a new state
    never raises.

    Raw numbers Windows writes (an app's InstallationState, a DWORD) stay
    ``int`` fields beside their name: Windows may write a number no enum
    knows, and the raw value is the evidence.

Times
    A time is an aware ``datetime`` in UTC (``utc_from_unix``,
    ``utc_from_filetime``, ``utc_from_text``), with the raw value beside it
    in a ``*_raw`` (or ``*_filetime``/``*_unix``) field. Python's datetime
    holds microseconds: the 100 ns digit of a FILETIME is in the raw value.

Locks
    Each handle (``Registry``, ``Esp``, ``Bundle``) owns a ``HandleLock``
    (a re-entrant lock): every call into the library on that handle, or on
    anything it handed out (a ``Key``, a ``Value``), runs under it, so one
    handle can be shared between threads; the C library itself promises
    nothing for concurrent calls on one handle (espdiag(3)). An iterator
    over library objects collects them under the lock and yields
    afterwards, so a half-consumed iterator never holds the lock.

repr
    Dataclasses keep their generated repr; a handle's repr is
    ``handle_repr(self, "detail")``: ``<espdiag.Registry 2 sources>``,
    ``<espdiag.Esp (closed)>``.
"""
from __future__ import annotations

import enum
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Type, TypeVar

__all__ = ["NamedEnum", "HandleLock", "handle_repr", "utc_from_unix", "utc_from_filetime",
           "utc_from_text"]

E = TypeVar("E", bound="NamedEnum")


class NamedEnum(str, enum.Enum):
    """An enum whose members are their library names (a str) and carry the
    library's number as ``.number`` (None when the C side has none)."""

    number: Optional[int]

    def __new__(cls, name: str, number: Optional[int] = None) -> "NamedEnum":
        obj = str.__new__(cls, name)
        obj._value_ = name
        obj.number = number
        return obj

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def _missing_(cls, value: object) -> Any:
        # A name a newer library gives: a member of its own, not an error.
        if not isinstance(value, str):
            return None
        for member in cls:
            if member.value == value.lower():
                return member
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._name_ = value.upper()
        obj.number = None
        return obj

    @classmethod
    def of_number(cls: Type[E], number: int, name: Optional[str] = None) -> E:
        """The member with that C number; an unknown number gives the member
        named name (the library's *_name() of it) or "unknown"."""
        for member in cls:
            if member.number == number:
                return member
        return cls(name or "unknown")


class HandleLock:
    """The re-entrant lock of one handle (see the module's docstring)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> "HandleLock":
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def handle_repr(obj: object, detail: str = "", closed: bool = False) -> str:
    """``<espdiag.Class detail>``, or ``<espdiag.Class (closed)>``."""
    name = f"espdiag.{type(obj).__name__}"
    if closed:
        return f"<{name} (closed)>"
    return f"<{name} {detail}>" if detail else f"<{name}>"


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01.
_FILETIME_UNIX = 116444736000000000


def utc_from_unix(seconds: int, ticks_100ns: int = 0) -> datetime:
    """An aware UTC datetime of Unix seconds and 100 ns ticks (truncated to
    microseconds). Times outside datetime's range (years 1..9999) raise
    OverflowError."""
    return _EPOCH + timedelta(seconds=seconds, microseconds=ticks_100ns // 10)


def utc_from_filetime(filetime: int) -> datetime:
    """An aware UTC datetime of a Windows FILETIME (100 ns since 1601)."""
    ticks = filetime - _FILETIME_UNIX
    return utc_from_unix(ticks // 10_000_000, ticks % 10_000_000)


def utc_from_text(text: Optional[str]) -> Optional[datetime]:
    """The library's UTC text ("YYYY-MM-DDTHH:MM:SS[.fffffff]Z") as an aware
    datetime; None for None or text of another shape."""
    if not text or not text.endswith("Z"):
        return None
    body = text[:-1]
    frac = ""
    if "." in body:
        body, frac = body.split(".", 1)
    try:
        base = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if frac:
        if not frac.isdigit():
            return None
        base += timedelta(microseconds=int((frac + "000000")[:6]))
    return base
