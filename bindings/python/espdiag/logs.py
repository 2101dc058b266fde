"""espdiag.logs - the apps of a bundle's IME logs and the device's clock.

A model built from an evidence bundle (``Esp.load_bundle(bundle)`` or
``load_bundle(bundle)``) holds the apps of the bundle's Intune Management
Extension logs (``LogApp``: the "Get policies" catalogue and each install
``Attempt``, every record a ``LogRef``: file, line, local and UTC time,
message) and the device's UTC offset (``Clock``), derived from a log record
and a registry time of the same moment. espdiag_esp(3) documents the C side.

The C layouts are declared here, beside the objects made of them, and only
when the loaded library has them (an older library gives no apps and an
unknown clock).
"""
from __future__ import annotations

from ctypes import (POINTER, Structure, byref, c_bool, c_char_p, c_int, c_int32, c_int64,
                    c_size_t, c_uint32, c_uint64, c_void_p)
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from . import _lib
from ._lib import lib, text

if TYPE_CHECKING:  # pragma: no cover
    from .bundle import Bundle
    from .esp import Esp


class _LogRef(Structure):
    _fields_ = [("file", c_char_p), ("line", c_uint64), ("local_time", c_char_p),
                ("utc_time", c_char_p), ("message", c_char_p), ("has_time", c_bool),
                ("local_secs", c_int64), ("local_100ns", c_uint32)]


_R = POINTER(_LogRef)


class _Attempt(Structure):
    _fields_ = [("number", c_uint32), ("outcome", c_int),
                ("download_start", _R), ("download_end", _R), ("download_failed", _R),
                ("install_start", _R), ("install_end", _R), ("install_timeout", _R),
                ("exit_code_ref", _R), ("enforcement_ref", _R), ("detection_ref", _R),
                ("has_download_bytes", c_bool), ("download_bytes", c_uint64),
                ("has_exit_code", c_bool), ("exit_code", c_uint32),
                ("has_hresult", c_bool), ("hresult", c_uint32),
                ("exit_code_unmapped", c_bool), ("exit_code_class", c_char_p),
                ("enforcement_state", c_char_p), ("detection_state", c_char_p),
                ("has_install_duration", c_bool), ("install_duration_ms", c_int64)]


class _LogApp(Structure):
    _fields_ = [("id", c_char_p), ("name", c_char_p),
                ("has_version", c_bool), ("version", c_int64),
                ("has_intent", c_bool), ("intent", c_int64),
                ("has_install_context", c_bool), ("install_context", c_int64),
                ("policy", _R), ("attempt_count", c_size_t),
                ("attempts", POINTER(POINTER(_Attempt)))]


class _Clock(Structure):
    _fields_ = [("known", c_bool), ("utc_offset_minutes", c_int32), ("how", c_char_p),
                ("evidence", _R), ("key", c_char_p), ("value", c_char_p),
                ("utc_time", c_char_p), ("pairs", c_size_t)]


HAS_LOGS = _lib._declare({
    "espdiag_esp_attempt_outcome_name": (c_char_p, [c_uint32]),
    "espdiag_esp_log_app_count": (c_size_t, [c_void_p]),
    "espdiag_esp_log_app_at": (POINTER(_LogApp), [c_void_p, c_size_t]),
    "espdiag_esp_log_app_find": (POINTER(_LogApp), [c_void_p, c_char_p]),
    "espdiag_esp_clock_info": (POINTER(_Clock), [c_void_p]),
}, False)

HAS_LOAD_BUNDLE = _lib._declare({
    "espdiag_esp_load_bundle": (c_int, [POINTER(c_void_p), c_void_p]),
}, False)


def attempt_outcome_name(outcome: int) -> str:
    """"unknown", "in_progress", "failed", "not_detected" or "succeeded"."""
    return text(lib.espdiag_esp_attempt_outcome_name(outcome)) or "unknown"


@dataclass(frozen=True)
class LogRef:
    """One IME log record: file, 1-based line, time as logged (device-local,
    "YYYY-MM-DD HH:MM:SS.fff"), as UTC once the clock is known, message."""
    file: str
    line: int
    local_time: Optional[str]
    utc_time: Optional[str]
    message: str

    @classmethod
    def _from(cls, p: object) -> Optional["LogRef"]:
        if not p:
            return None
        r = p.contents  # type: ignore[attr-defined]
        return cls(text(r.file) or "", int(r.line), text(r.local_time), text(r.utc_time),
                   text(r.message) or "")


@dataclass(frozen=True)
class Attempt:
    """One download-and-install cycle of an app in the IME logs."""
    number: int
    outcome: str
    download_start: Optional[LogRef]
    download_end: Optional[LogRef]
    download_failed: Optional[LogRef]
    download_bytes: Optional[int]
    install_start: Optional[LogRef]
    install_end: Optional[LogRef]
    install_timeout: Optional[LogRef]
    install_duration_ms: Optional[int]
    exit_code: Optional[int]
    hresult: Optional[int]
    exit_code_unmapped: bool
    exit_code_class: Optional[str]
    exit_code_line: Optional[LogRef]
    enforcement_state: Optional[str]
    enforcement_line: Optional[LogRef]
    detection_state: Optional[str]
    detection_line: Optional[LogRef]

    @classmethod
    def _from(cls, a: _Attempt) -> "Attempt":
        r = LogRef._from
        return cls(int(a.number), attempt_outcome_name(a.outcome),
                   r(a.download_start), r(a.download_end), r(a.download_failed),
                   int(a.download_bytes) if a.has_download_bytes else None,
                   r(a.install_start), r(a.install_end), r(a.install_timeout),
                   int(a.install_duration_ms) if a.has_install_duration else None,
                   int(a.exit_code) if a.has_exit_code else None,
                   int(a.hresult) if a.has_hresult else None,
                   bool(a.exit_code_unmapped), text(a.exit_code_class),
                   r(a.exit_code_ref), text(a.enforcement_state), r(a.enforcement_ref),
                   text(a.detection_state), r(a.detection_ref))


@dataclass(frozen=True)
class LogApp:
    """An app of the IME logs: id (lower-case GUID), name, version, intent,
    install context, the "Get policies" record and the attempts."""
    id: str
    name: Optional[str]
    version: Optional[int]
    intent: Optional[int]
    install_context: Optional[int]
    policy: Optional[LogRef]
    attempts: list[Attempt] = field(default_factory=list)

    @classmethod
    def _from(cls, a: _LogApp) -> "LogApp":
        return cls(text(a.id) or "", text(a.name),
                   int(a.version) if a.has_version else None,
                   int(a.intent) if a.has_intent else None,
                   int(a.install_context) if a.has_install_context else None,
                   LogRef._from(a.policy),
                   [Attempt._from(a.attempts[i].contents) for i in range(a.attempt_count)])


@dataclass(frozen=True)
class Clock:
    """The device's UTC offset (local = UTC + utc_offset_minutes) and how
    it was found; known False keeps log times local."""
    known: bool
    utc_offset_minutes: Optional[int]
    how: str
    evidence: Optional[LogRef]
    key: Optional[str]
    value: Optional[str]
    utc_time: Optional[str]
    pairs: int

    @classmethod
    def _from(cls, c: _Clock) -> "Clock":
        return cls(bool(c.known), int(c.utc_offset_minutes) if c.known else None,
                   text(c.how) or "", LogRef._from(c.evidence), text(c.key), text(c.value),
                   text(c.utc_time), int(c.pairs))


_UNKNOWN = Clock(False, None, "the device's UTC offset is unknown", None, None, None, None, 0)


def log_apps(handle: int) -> list[LogApp]:
    """The apps of the model's IME logs, by id ([] without a bundle)."""
    if not HAS_LOGS:
        return []
    return [LogApp._from(lib.espdiag_esp_log_app_at(handle, i).contents)
            for i in range(lib.espdiag_esp_log_app_count(handle))]


def clock(handle: int) -> Clock:
    if not HAS_LOGS:
        return _UNKNOWN
    return Clock._from(lib.espdiag_esp_clock_info(handle).contents)


def load_bundle(bundle: "Bundle") -> "Esp":
    """The ESP model of a whole evidence bundle (espdiag_esp_load_bundle):
    the registry view's model plus the IME logs' apps, attempts and clock.
    The model copies what it keeps; it keeps bundle open while it lives
    (its registry is the bundle's)."""
    from .errors import EspdiagError
    from .esp import Esp
    if not HAS_LOAD_BUNDLE:
        raise NotImplementedError("the loaded libespdiag has no espdiag_esp_load_bundle")
    out = c_void_p()
    status = lib.espdiag_esp_load_bundle(byref(out), bundle.handle)
    if status < 0:
        raise EspdiagError(status, _lib.strerror(status))
    esp = Esp(out.value, bundle.registry)
    esp._bundle = bundle  # type: ignore[attr-defined]
    return esp
