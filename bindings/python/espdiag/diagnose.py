"""espdiag.diagnose - rules over the ESP model: findings as dataclasses."""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
from ctypes import POINTER, Structure, byref, c_bool, c_char_p, c_int, c_int64, c_uint32, c_void_p
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

from . import _lib
from ._lib import check, lib, text
from ._util import NamedEnum
from .errors import EspdiagError, Status, raise_status
from . import esp as _esp
from .esp import Esp, Phase, Scenario, _phase, scenario_name
from .registry import Registry


def _need() -> None:
    if not _lib.HAS_DIAGNOSE:
        raise EspdiagError(Status.EUNSUPPORTED,
                           f"libespdiag {_lib.LIBRARY_VERSION} has no diagnosis")


class _Subject(Structure):
    _fields_ = [("kind", c_char_p), ("id", c_char_p), ("name", c_char_p),
                ("context", c_char_p), ("sid", c_char_p)]


# Added in 0.2: declared when the loaded library has them; an older library
# gives findings without subject or exit code and reports never incomplete.
HAS_V02 = _lib.HAS_DIAGNOSE and _lib._declare({
    "espdiag_error_describe_exit_code": (c_int, [POINTER(POINTER(_lib.ErrorInfo)), c_int64]),
    "espdiag_report_incomplete": (c_bool, [c_void_p]),
    "espdiag_finding_exit_code": (c_int, [POINTER(c_int64), c_void_p]),
    "espdiag_finding_subject": (POINTER(_Subject), [c_void_p]),
}, False)


# Added with device preparation (v2): the report's scenario.
HAS_SCENARIO = _lib.HAS_DIAGNOSE and _esp.HAS_V2 and _lib._declare({
    "espdiag_report_scenario": (c_int, [c_void_p]),
}, False)


class Severity(NamedEnum):
    """A finding's severity (espdiag_severity): equals "info", "warning",
    "error"; .number is the C value."""
    INFO = "info", 1
    WARNING = "warning", 2
    ERROR = "error", 3


class Outcome(NamedEnum):
    """What the evidence says of the ESP as a whole (espdiag_outcome)."""
    UNKNOWN = "unknown", 0
    COMPLETED = "completed", 1
    FAILED = "failed", 2
    IN_PROGRESS = "in_progress", 3


#: The per-app allowance of timeout-too-short when none is given (minutes).
DEFAULT_APP_MINUTES = 3


@dataclass(frozen=True)
class Evidence:
    """A registry key (and value and data) that shows a finding."""
    key: str
    value: Optional[str] = None  # None: the key itself (or its absence) is the evidence
    data: Optional[str] = None


@dataclass(frozen=True)
class Subject:
    """What a finding is about (see espdiag_finding_subject(3))."""
    kind: str                   # "win32_app", "msi_app", "provider", "phase", "input", ...
    id: str                     # a Win32 app's Intune app id, a product code, a phase name, ...
    name: Optional[str]         # a name for people, when the evidence gives one
    context: str                # "device" or "user"
    sid: Optional[str] = None   # the user's SID in a user context


@dataclass(frozen=True)
class ErrorInfo:
    code: int
    symbol: Optional[str]
    meaning: str
    community_only: bool


@dataclass(frozen=True)
class Finding:
    id: str                     # the rule id: "app-install-failed", ...
    severity: Severity          # == "error", "warning", "info"
    phase: Optional[Phase]      # == "device_setup", ... or None
    title: str
    detail: str
    remediation: str
    evidence: tuple[Evidence, ...] = ()
    sid: Optional[str] = None   # the user of an account-setup finding
    error_code: Optional[int] = None  # the related HRESULT
    subject: Optional[Subject] = None  # None: about nothing specific
    exit_code: Optional[int] = None   # the installer's exit code behind error_code
    error: Optional[ErrorInfo] = None  # what error_code means, when the library knows

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


@dataclass(frozen=True)
class Report:
    """The result of diagnose(): self-contained, no handle to close."""
    outcome: Outcome            # == "completed", "failed", "in_progress", "unknown"
    errors: int
    warnings: int
    infos: int
    findings: tuple[Finding, ...]
    text: str = field(repr=False)   # the report for people (no colour)
    _json: str = field(repr=False)
    incomplete: bool = False    # damaged input: conclusions withheld (exit status 4)
    #: The flow the device went through (espdiag_report_scenario): "autopilot_v1",
    #: "autopilot_v2", "autopilot_existing_device", "esp_only" or "none".
    scenario: Scenario = Scenario.NONE
    _html: Optional[str] = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        ids = ", ".join(self.rule_ids[:6]) + (", ..." if len(self.findings) > 6 else "")
        return (f"<espdiag.Report {self.outcome} scenario={self.scenario} errors={self.errors}"
                f" warnings={self.warnings} infos={self.infos}"
                f"{' incomplete' if self.incomplete else ''} findings=[{ids}]>")

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    @property
    def rule_ids(self) -> list[str]:
        """The ids of the findings, in report order."""
        return [f.id for f in self.findings]

    def by_id(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.id == rule_id]

    def to_json(self) -> str:
        """The espdiag-report/1 JSON object, on one line (no final newline)."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        """The espdiag-report/1 object as Python data (json.loads of to_json())."""
        return dict(json.loads(self._json))

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per finding, ready for pandas.DataFrame(report.records())
        or csv.DictWriter: the report's outcome and scenario, then the
        finding's id, severity, phase, sid, title, detail, remediation,
        error_code (int or None), error_symbol, exit_code, the subject's kind,
        id, name and context, and the first evidence's key, value and data
        with the evidence count. Enum members are plain str here, every
        record has the same keys, and missing things are None."""
        out = []
        for f in self.findings:
            first = f.evidence[0] if f.evidence else None
            s = f.subject
            out.append({
                "outcome": str(self.outcome), "scenario": str(self.scenario),
                "id": f.id, "severity": str(f.severity),
                "phase": None if f.phase is None else str(f.phase), "sid": f.sid,
                "title": f.title, "detail": f.detail, "remediation": f.remediation,
                "error_code": f.error_code,
                "error_symbol": f.error.symbol if f.error is not None else None,
                "exit_code": f.exit_code,
                "subject_kind": s.kind if s else None, "subject_id": s.id if s else None,
                "subject_name": s.name if s else None,
                "subject_context": s.context if s else None,
                "evidence_key": first.key if first else None,
                "evidence_value": first.value if first else None,
                "evidence_data": first.data if first else None,
                "evidence_count": len(f.evidence),
            })
        return out

    def to_html(self) -> str:
        """The report as one self-contained HTML document, its ESP timeline
        drawn (see espdiag_html(3)); rendered by diagnose() from the model."""
        if self._html is None:
            raise EspdiagError(Status.EUNSUPPORTED,
                               f"libespdiag {_lib.LIBRARY_VERSION} has no HTML report")
        return self._html


def _finding(f: int) -> Finding:
    evidence = tuple(
        Evidence(text(lib.espdiag_finding_evidence_key(f, i)) or "",
                 text(lib.espdiag_finding_evidence_value(f, i)),
                 text(lib.espdiag_finding_evidence_data(f, i)))
        for i in range(lib.espdiag_finding_evidence_count(f)))
    code = c_uint32()
    has_code = lib.espdiag_finding_error_code(byref(code), f) == Status.OK
    phase = lib.espdiag_finding_phase(f)
    subject = exit_code = None
    if HAS_V02:
        sp = lib.espdiag_finding_subject(f)
        if sp:
            s = sp.contents
            subject = Subject(text(s.kind) or "", text(s.id) or "", text(s.name),
                              text(s.context) or "", text(s.sid))
        ec = c_int64()
        if lib.espdiag_finding_exit_code(byref(ec), f) == Status.OK:
            exit_code = int(ec.value)
    return Finding(
        id=text(lib.espdiag_finding_id(f)) or "",
        severity=_severity(int(lib.espdiag_finding_severity(f))),
        phase=_phase(phase) if phase else None,
        title=text(lib.espdiag_finding_title(f)) or "",
        detail=text(lib.espdiag_finding_detail(f)) or "",
        remediation=text(lib.espdiag_finding_remediation(f)) or "",
        evidence=evidence,
        sid=text(lib.espdiag_finding_sid(f)),
        error_code=int(code.value) if has_code else None,
        subject=subject, exit_code=exit_code,
        error=describe_error(code.value) if has_code else None)


def _severity(number: int) -> Severity:
    return Severity.of_number(number, text(lib.espdiag_severity_name(number)))


def _report(handle: int, esp: int) -> Report:
    out = c_void_p()
    check(lib.espdiag_report_to_json(byref(out), handle))
    js = _lib.take_string(out).rstrip("\n")
    txt = _lib.capture(lambda f: lib.espdiag_report_write_text(handle, 0, f))
    html = None
    if _lib.HAS_HTML:
        html = _lib.capture(lambda f: lib.espdiag_report_write_html(handle, esp, None, f)
                            ).decode("utf-8", "replace")
    findings = tuple(_finding(lib.espdiag_report_finding_at(handle, i))
                     for i in range(lib.espdiag_report_finding_count(handle)))
    outcome = int(lib.espdiag_report_outcome(handle))
    scenario = int(lib.espdiag_report_scenario(handle)) if HAS_SCENARIO else 0
    return Report(
        outcome=Outcome.of_number(outcome, text(lib.espdiag_outcome_name(outcome))),
        errors=int(lib.espdiag_report_severity_count(handle, Severity.ERROR.number)),
        warnings=int(lib.espdiag_report_severity_count(handle, Severity.WARNING.number)),
        infos=int(lib.espdiag_report_severity_count(handle, Severity.INFO.number)),
        findings=findings, text=txt.decode("utf-8", "replace"), _json=js,
        incomplete=bool(HAS_V02 and lib.espdiag_report_incomplete(handle)),
        scenario=Scenario.of_number(scenario, scenario_name(scenario)),
        _html=html)


Source = Union[Esp, Registry, str, "os.PathLike[str]"]


def diagnose(source: Optional[Source] = None, *,
             data: Union[bytes, bytearray, memoryview, None] = None,
             app_minutes: Optional[int] = None,
             skip_rules: Optional[Iterable[str]] = None,
             prefix: Optional[str] = None) -> Report:
    """Runs the rules over an ESP model and returns the report.

    source is an Esp, a Registry (the model is loaded from it) or a file's
    path (opened, read and closed here); the bytes of a file are passed as
    data= instead (bytes given as source raise TypeError: they could be a
    path or a file's content, and the binding does not guess). app_minutes
    is the per-app allowance of timeout-too-short; skip_rules leaves rules
    out (an unknown id raises EspdiagError with ESPDIAG_EINVAL); prefix
    mounts a hive there. A file that cannot be read raises OSError
    (FileNotFoundError when missing), bad input EspdiagError.
    """
    _need()
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise TypeError("diagnose() takes a path, an Esp or a Registry; pass the bytes of "
                        "a file as diagnose(data=...) (a path as bytes: os.fsdecode(path))")
    if (source is None) == (data is None):
        raise TypeError("diagnose() takes one of source (a path, an Esp, a Registry) "
                        "or data= (the bytes of a file)")
    if data is not None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data= takes bytes, not {type(data).__name__}")
        with Esp.open(bytes(data), prefix) as esp:
            return _diagnose_esp(esp, esp.registry, app_minutes, skip_rules)
    if isinstance(source, Esp):
        return _diagnose_esp(source, source.registry, app_minutes, skip_rules)
    if isinstance(source, Registry):
        with Esp.load(source) as esp:
            return _diagnose_esp(esp, source, app_minutes, skip_rules)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"diagnose() takes a path, an Esp or a Registry, "
                        f"not {type(source).__name__}")
    with Esp.open(source, prefix) as esp:
        return _diagnose_esp(esp, esp.registry, app_minutes, skip_rules)


def _diagnose_esp(esp: Esp, registry: Optional[Registry], app_minutes: Optional[int],
                  skip_rules: Optional[Iterable[str]]) -> Report:
    opts = _lib.DiagnoseOptions()
    opts.version = _lib.DIAGNOSE_OPTIONS_VERSION
    opts.app_minutes = app_minutes or 0
    keep: list[Any] = []
    if skip_rules is not None:
        ids = [s.encode("utf-8") for s in skip_rules]
        arr = (c_char_p * (len(ids) + 1))(*ids, None)
        keep.append(arr)
        opts.skip_rules = ctypes.cast(arr, ctypes.POINTER(c_char_p))
    # The rules read the model and, for the input part, the view: both
    # handles' locks are held, always the model's first.
    reg_lock = registry._lock if registry is not None else contextlib.nullcontext()
    with esp._lock, reg_lock:
        if registry is not None and not registry.closed:
            opts.registry = registry.handle
        out = c_void_p()
        status = lib.espdiag_diagnose(byref(out), esp.handle, byref(opts))
        if status < 0:
            msg = text(lib.espdiag_esp_errmsg(esp.handle)) or _lib.strerror(status)
            raise_status(status, msg)
        try:
            return _report(out.value, esp.handle)
        finally:
            lib.espdiag_report_free(out.value)


def rules() -> list[Rule]:
    """The rule catalogue, in catalogue order."""
    _need()
    out = []
    for i in range(lib.espdiag_rule_count()):
        r = lib.espdiag_rule_at(i).contents
        out.append(Rule(text(r.id) or "", _severity(int(r.severity)), text(r.summary) or ""))
    return out


def describe_error(code: int) -> Optional[ErrorInfo]:
    """What an HRESULT means in an ESP; None for a code the library does not know."""
    _need()
    out = ctypes.POINTER(_lib.ErrorInfo)()
    status = check(lib.espdiag_error_describe(byref(out), code & 0xFFFFFFFF))
    if status != Status.OK or not out:
        return None
    return _info(out)


def describe_exit_code(exit_code: int) -> Optional[ErrorInfo]:
    """What an installer's exit code (or the IME's ErrorCode) means: 1603 is
    read as HRESULT_FROM_WIN32(1603) = 0x80070643, a negative number or one of
    0x80000000 and above as an HRESULT. None for 0, another number, or a code
    the library does not know."""
    _need()
    if not HAS_V02:
        raise EspdiagError(Status.EUNSUPPORTED,
                           f"libespdiag {_lib.LIBRARY_VERSION} has no exit code lookup")
    if not -(1 << 63) <= exit_code < (1 << 63):
        return None
    out = ctypes.POINTER(_lib.ErrorInfo)()
    status = check(lib.espdiag_error_describe_exit_code(byref(out), exit_code))
    if status != Status.OK or not out:
        return None
    return _info(out)


def _info(out: Any) -> ErrorInfo:
    e = out.contents
    return ErrorInfo(int(e.code), text(e.symbol), text(e.meaning) or "", bool(e.flags & 1))
