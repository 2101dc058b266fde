"""espdiag.esp - the ESP model (esp.h) as read-only Python objects.

Esp.load() builds the model in the library and copies it into frozen
dataclasses at once, so the objects outlive the handle; the handle itself is
kept (until close()) for diagnose() and the JSON and timeline renderings.
Optional DWORDs are int or None (None: the value was absent or no DWORD);
every number Windows wrote is kept raw (an int: Windows may write one no
enum knows) and named by the *_name properties. What the library decides
(a phase, its status, an item's kind, a category, the page's state, the
scenario) is a NamedEnum member that equals its name ("device_setup").
Times are aware UTC datetimes with the raw value beside (espdiag._util).
"""
from __future__ import annotations

import enum
import json
from ctypes import (POINTER, Structure, addressof, byref, c_bool, c_char_p, c_int,
                    c_int64, c_size_t, c_uint32, c_void_p)
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Union

from . import _lib
from ._lib import lib, text, u32
from ._util import HandleLock, NamedEnum, handle_repr, utc_from_text, utc_from_unix
from .errors import EspdiagError
from .registry import InputWarning, PathLike, Registry


class ProviderState(enum.IntEnum):
    NOT_INSTALLED = 1
    NOT_REQUIRED = 2
    COMPLETED = 3
    ERROR = 4


class AppState(enum.IntEnum):
    NOT_INSTALLED = 1
    IN_PROGRESS = 2
    COMPLETED = 3
    ERROR = 4


class Reboot(enum.IntEnum):
    NONE = 1
    SOFT = 2
    HARD = 3


class MsiStatus(enum.IntEnum):
    NONE = 0
    INITIALIZED = 10
    DOWNLOADING = 20
    DOWNLOAD_RETRY = 25
    DOWNLOAD_FAILED = 30
    DOWNLOADED = 40
    PENDING_USER_SESSION = 48
    ENFORCING = 50
    ENFORCEMENT_RETRY = 55
    ENFORCEMENT_FAILED = 60
    SUCCESS = 70


class Phase(NamedEnum):
    """An ESP phase (espdiag_esp_phase)."""
    UNKNOWN = "unknown", 0
    DEVICE_PREPARATION = "device_preparation", 1
    DEVICE_SETUP = "device_setup", 2
    ACCOUNT_SETUP = "account_setup", 3


class PhaseStatus(NamedEnum):
    UNKNOWN = "unknown", 0
    NOT_STARTED = "not_started", 1
    IDENTIFYING = "identifying", 2
    IN_PROGRESS = "in_progress", 3
    COMPLETED = "completed", 4
    FAILED = "failed", 5
    SKIPPED = "skipped", 6


class ItemKind(NamedEnum):
    OTHER = "other", 0
    WIN32_APP = "win32_app", 1
    MSI_APP = "msi_app", 2
    MODERN_APP = "modern_app", 3
    NETWORK_PROFILE = "network_profile", 4
    CERTIFICATE = "certificate", 5
    POLICY = "policy", 6
    CONFIGMGR = "configmgr", 7


class Category(NamedEnum):
    OTHER = "other", 0
    POLICIES = "policies", 1
    MSI = "msi", 2
    MODERN_APPS = "modern_apps", 3
    NETWORK_PROFILES = "network_profiles", 4
    CERTIFICATES = "certificates", 5
    SIDECAR = "sidecar", 6
    LAST_LOGGED_STATE = "last_logged_state", 7


class ProviderKind(NamedEnum):
    OTHER = "other", 0
    SIDECAR = "sidecar", 1
    CONFIGMGR = "configmgr", 2


class PageState(NamedEnum):
    """The ESP page's own state of a category or subcategory."""
    UNKNOWN = "unknown", 0
    NOT_STARTED = "not_started", 1
    IN_PROGRESS = "in_progress", 2
    SUCCEEDED = "succeeded", 3
    FAILED = "failed", 4
    CANCELLED = "cancelled", 5
    FAILED_FROM_PREVIOUS = "failed_from_previous", 6
    REBOOT_REQUIRED = "reboot_required", 7
    TIMED_OUT = "timed_out", 8


#: FirstSync BlockInStatusPage flags.
BLOCK_ALLOW_RESET = 0x1
BLOCK_ALLOW_RETRY = 0x2
BLOCK_ALLOW_CONTINUE = 0x4
#: SyncFailureTimeout when FirstSync has none (minutes).
DEFAULT_TIMEOUT_MINUTES = 60


def _n(fn: Any, v: Optional[int]) -> Optional[str]:
    return _lib.name_of(fn, v)


def _num(v: Union[int, NamedEnum]) -> int:
    """The C number of an int or a NamedEnum member."""
    if isinstance(v, NamedEnum):
        if v.number is None:
            raise ValueError(f"{v!r} has no number")
        return v.number
    return int(v)


def phase_name(phase: Union[int, Phase]) -> str:
    return text(lib.espdiag_esp_phase_name(_num(phase))) or "unknown"


def _phase(number: int) -> Phase:
    return Phase.of_number(number, phase_name(number))


def _item_kind(number: int) -> ItemKind:
    return ItemKind.of_number(number, text(lib.espdiag_esp_item_kind_name(number)))


def _category(number: int) -> Category:
    return Category.of_number(number, text(lib.espdiag_esp_category_name(number)))


def _page_state(number: int) -> PageState:
    return PageState.of_number(number, page_state_name(number))


def enforcement_state_name(state: int) -> str:
    """The name of an IME EnforcementState number ("succeeded", "error", ...)."""
    return text(lib.espdiag_esp_enforcement_state_name(state)) or "unknown"


def page_state_name(state: Union[int, PageState]) -> str:
    return text(lib.espdiag_esp_page_state_name(_num(state))) or "unknown"


def oobe_flag_names(bits: int) -> list[str]:
    """The names of the CloudAssignedOobeConfig bits set in bits that the
    library knows ("skip_keyboard", ...)."""
    out = []
    for i in range(32):
        if bits & (1 << i):
            name = text(lib.espdiag_esp_oobe_flag_name(1 << i))
            if name:
                out.append(name)
    return out


@dataclass(frozen=True)
class FirstSync:
    key: str
    skip_device_status_page: Optional[int]
    skip_user_status_page: Optional[int]
    device_page_skipped: bool
    user_page_skipped: bool
    block_in_status_page: Optional[int]
    sync_failure_timeout: Optional[int]
    timeout_minutes: int
    timeout_is_default: bool
    allow_collect_logs_button: Optional[int]
    custom_error_text: Optional[str]
    is_sync_done: Optional[int]
    is_server_provisioning_done: Optional[int]
    applications_duration: Optional[int]
    policy_duration: Optional[int]
    networking_duration: Optional[int]
    certificates_duration: Optional[int]
    timestamp_filetime: Optional[int]
    timestamp_unix: Optional[int]
    timestamp_100ns: Optional[int]
    timestamp_utc: Optional[str]

    @property
    def timestamp(self) -> Optional[datetime]:
        """FirstSync\\Timestamp as an aware UTC datetime (the raw FILETIME is
        timestamp_filetime)."""
        if self.timestamp_unix is None:
            return None
        return utc_from_unix(self.timestamp_unix, self.timestamp_100ns or 0)

    @classmethod
    def _from(cls, f: _lib.FirstSync) -> "FirstSync":
        ts = f.has_timestamp
        return cls(text(f.key) or "", u32(f.skip_device_status_page),
                   u32(f.skip_user_status_page), bool(f.device_page_skipped),
                   bool(f.user_page_skipped), u32(f.block_in_status_page),
                   u32(f.sync_failure_timeout), int(f.timeout_minutes),
                   bool(f.timeout_is_default), u32(f.allow_collect_logs_button),
                   text(f.custom_error_text), u32(f.is_sync_done),
                   u32(f.is_server_provisioning_done), u32(f.applications_duration),
                   u32(f.policy_duration), u32(f.networking_duration),
                   u32(f.certificates_duration),
                   int(f.timestamp_filetime) if ts else None,
                   int(f.timestamp_unix) if ts else None,
                   int(f.timestamp_100ns) if ts else None,
                   text(f.timestamp_utc) if ts else None)


@dataclass(frozen=True)
class Enrollment:
    key: str
    guid: str
    provider_id: Optional[str]
    upn: Optional[str]
    tenant_id: Optional[str]
    enrollment_type: Optional[int]
    first_sync: Optional[FirstSync]

    @classmethod
    def _from(cls, e: _lib.Enrollment) -> "Enrollment":
        return cls(text(e.key) or "", text(e.guid) or "", text(e.provider_id), text(e.upn),
                   text(e.tenant_id), u32(e.enrollment_type),
                   FirstSync._from(e.first_sync.contents) if e.first_sync else None)


@dataclass(frozen=True)
class Autopilot:
    key: Optional[str]  # None when the Autopilot key is absent
    tenant_id: Optional[str]
    tenant_domain: Optional[str]
    profile_name: Optional[str]
    oobe_config: Optional[int]
    domain_join_method: Optional[int]
    hybrid_join: bool
    correlations_key: Optional[str]
    ztd_id: Optional[str]
    ent_dm_id: Optional[str]
    #: Provisioning\AutopilotPolicyCache when its PolicyJsonCache was read;
    #: it fills the fields the Diagnostics\Autopilot key lacks.
    policy_cache_key: Optional[str] = None
    from_policy_cache: bool = False

    @property
    def oobe_flags(self) -> list[str]:
        return oobe_flag_names(self.oobe_config or 0)

    @classmethod
    def _from(cls, a: _lib.Autopilot) -> "Autopilot":
        return cls(text(a.key), text(a.tenant_id), text(a.tenant_domain),
                   text(a.profile_name), u32(a.oobe_config), u32(a.domain_join_method),
                   bool(a.hybrid_join), text(a.correlations_key), text(a.ztd_id),
                   text(a.ent_dm_id), text(a.policy_cache_key), bool(a.from_policy_cache))


@dataclass(frozen=True)
class Provider:
    """A device-preparation provider (Sidecar = the IME, ConfigMgr, ...)."""
    key: str
    name: str
    kind: ProviderKind
    state: Optional[int]
    last_error: Optional[int]
    timeout: Optional[int]
    resource_types_key: Optional[str]
    resource_types: dict[str, Optional[int]]

    @property
    def kind_name(self) -> str:
        return str(self.kind)

    @property
    def state_name(self) -> Optional[str]:
        return _n(lib.espdiag_esp_provider_state_name, self.state)

    @classmethod
    def _from(cls, p: _lib.Provider) -> "Provider":
        types = {text(p.resource_types[i].name) or "": u32(p.resource_types[i].value)
                 for i in range(p.resource_type_count)}
        kind = ProviderKind.of_number(int(p.kind),
                                      text(lib.espdiag_esp_provider_kind_name(p.kind)))
        return cls(text(p.key) or "", text(p.name) or "", kind, u32(p.state),
                   u32(p.last_error), u32(p.timeout), text(p.resource_types_key), types)


@dataclass(frozen=True)
class PolicyProvider:
    key: str
    name: str
    tracking_policies_created: Optional[int]


@dataclass(frozen=True)
class ImeApp:
    """The IME's state of a Win32 app for one user:
    IntuneManagementExtension\\Win32Apps\\<userObjectId>\\<appId>_<revision>."""
    key: str
    user_id: str
    device: bool            # the all-zeros user: the device
    app_id: str
    revision: Optional[int]
    enforcement_key: Optional[str]   # where EnforcementStateMessage was found
    enforcement_value: Optional[str]
    enforcement_state: Optional[int]
    enforcement_error: Optional[int]  # ErrorCode as written (may be negative)
    compliance_key: Optional[str]
    compliance_value: Optional[str]
    applicability: Optional[int]
    compliance_state: Optional[int]
    desired_state: Optional[int]
    install_context: Optional[int]
    target_type: Optional[int]
    compliance_error: Optional[int]

    @property
    def enforcement_state_name(self) -> Optional[str]:
        return _n(lib.espdiag_esp_enforcement_state_name, self.enforcement_state)

    @classmethod
    def _from(cls, a: _lib.ImeApp) -> "ImeApp":
        return cls(text(a.key) or "", text(a.user_id) or "", bool(a.device),
                   text(a.app_id) or "", u32(a.revision), text(a.enforcement_key),
                   text(a.enforcement_value), u32(a.enforcement_state),
                   int(a.enforcement_error) if a.has_enforcement_error else None,
                   text(a.compliance_key), text(a.compliance_value), u32(a.applicability),
                   u32(a.compliance_state), u32(a.desired_state), u32(a.install_context),
                   u32(a.target_type),
                   int(a.compliance_error) if a.has_compliance_error else None)


@dataclass(frozen=True)
class App:
    """A tracked app: Setup\\Apps\\Tracking\\<Provider>\\<App>."""
    key: str
    id: str
    provider: str
    kind: ItemKind
    app_guid: Optional[str]
    version: Optional[int]
    state: Optional[int]
    reboot_required: Optional[int]
    tracking_uri: Optional[str]
    sid: Optional[str]  # None: device setup
    error_hresult: Optional[int] = None  # ErrorHresult (a Sidecar app's failure)
    ime: Optional[ImeApp] = None         # the IME's state of this app, joined by GUID

    @property
    def kind_name(self) -> str:
        return str(self.kind)

    @property
    def state_name(self) -> Optional[str]:
        return _n(lib.espdiag_esp_app_state_name, self.state)

    @property
    def reboot_name(self) -> Optional[str]:
        return _n(lib.espdiag_esp_reboot_name, self.reboot_required)

    @property
    def failed(self) -> bool:
        return self.state == AppState.ERROR

    @classmethod
    def _from(cls, a: _lib.App, ime: dict[int, ImeApp]) -> "App":
        return cls(text(a.key) or "", text(a.id) or "", text(a.provider) or "",
                   _item_kind(int(a.kind)),
                   text(a.app_guid), u32(a.version), u32(a.state), u32(a.reboot_required),
                   text(a.tracking_uri), text(a.sid), u32(a.error_hresult),
                   ime.get(addressof(a.ime.contents)) if a.ime else None)


@dataclass(frozen=True)
class Setup:
    """Device setup (sid None) or one user's account setup."""
    key: Optional[str]  # None when the Setup key is absent
    sid: Optional[str]
    has_provisioning_completed: Optional[int]
    apps_key: Optional[str]
    locked: Optional[int]
    policy_providers: tuple[PolicyProvider, ...]
    apps: tuple[App, ...]

    @classmethod
    def _from(cls, s: _lib.Setup, ime: dict[int, ImeApp]) -> "Setup":
        pps = tuple(PolicyProvider(text(pp.key) or "", text(pp.name) or "",
                                   u32(pp.tracking_policies_created))
                    for pp in (s.policy_providers[i].contents
                               for i in range(s.policy_provider_count)))
        apps = tuple(App._from(s.apps[i].contents, ime) for i in range(s.app_count))
        return cls(text(s.key), text(s.sid), u32(s.has_provisioning_completed),
                   text(s.apps_key), u32(s.locked), pps, apps)


@dataclass(frozen=True)
class Entry:
    """One value of a snapshot: an item's state at that time."""
    value: str          # the OMA-DM URI as stored
    id: str             # the item id decoded from it
    kind: ItemKind
    state: Optional[int]
    state_name: str


@dataclass(frozen=True)
class Snapshot:
    """ESPTrackingInfo\\Diagnostics[\\<SID>]\\<Category>\\<timestamp|LastLoggedState>."""
    key: str
    sid: Optional[str]
    category: Category
    owner_category: Category
    category_name: str
    last_logged_state: bool
    timestamp: str           # the raw key name
    time_unix: Optional[int]  # None when the name is no time
    time_100ns: Optional[int]
    entries: tuple[Entry, ...]

    @property
    def time(self) -> Optional[datetime]:
        """The snapshot's time as an aware UTC datetime (raw: timestamp)."""
        if self.time_unix is None:
            return None
        return utc_from_unix(self.time_unix, self.time_100ns or 0)

    @classmethod
    def _from(cls, s: Any) -> "Snapshot":
        c = s.contents
        entries = []
        for i in range(c.entry_count):
            e = c.entries[i]
            state = text(lib.espdiag_esp_entry_state_name(s, byref(e))) or "unknown"
            entries.append(Entry(text(e.value) or "", text(e.id) or "", _item_kind(int(e.kind)),
                                 u32(e.state), state))
        valid = bool(c.time_valid)
        return cls(text(c.key) or "", text(c.sid), _category(int(c.category)),
                   _category(int(c.owner_category)),
                   text(c.category_name) or "", bool(c.last_logged_state),
                   text(c.timestamp) or "", int(c.time_unix) if valid else None,
                   int(c.time_100ns) if valid else None, tuple(entries))


@dataclass(frozen=True)
class MsiApp:
    """EnterpriseDesktopAppManagement\\<SID>\\MSI\\<ProductCode>."""
    key: str
    sid: str
    product_code: str
    status: Optional[int]
    last_error: Optional[int]
    download_url: Optional[str]
    is_ime: bool

    @property
    def status_name(self) -> Optional[str]:
        return _n(lib.espdiag_esp_msi_status_name, self.status)


@dataclass(frozen=True)
class Office:
    """OfficeCSP\\<id>: the Microsoft 365 Apps install."""
    key: str
    id: str
    final_status: Optional[int]
    status: Optional[int]
    effective: Optional[int]        # FinalStatus when present, else Status
    effective_value: Optional[str]  # "FinalStatus", "Status" or None

    @property
    def effective_name(self) -> Optional[str]:
        """The effective status on the MSI table ("success", ...)."""
        return _n(lib.espdiag_esp_msi_status_name, self.effective)


@dataclass(frozen=True)
class PageSubcategory:
    name: str
    state: PageState
    state_raw: Optional[str]   # as written; None in the flat variant
    status_text: Optional[str]

    @property
    def state_name(self) -> str:
        return page_state_name(self.state)


@dataclass(frozen=True)
class PageCategory:
    """Provisioning\\AutopilotSettings <Category>.Status: the page's own status."""
    key: str
    value: str
    name: str
    phase: Optional[Phase]     # "device_setup", ...; None for a name the library does not know
    state: PageState
    state_raw: Optional[str]
    status_text: Optional[str]
    flat: bool                 # the older variant (categorySucceeded)
    subcategories: tuple[PageSubcategory, ...]

    @property
    def state_name(self) -> str:
        return page_state_name(self.state)

    @classmethod
    def _from(cls, c: _lib.PageCategory) -> "PageCategory":
        subs = tuple(PageSubcategory(text(x.name) or "", _page_state(int(x.state)),
                                     text(x.state_raw),
                                     text(x.status_text))
                     for x in (c.subcategories[i].contents
                               for i in range(c.subcategory_count)))
        return cls(text(c.key) or "", text(c.value) or "", text(c.name) or "",
                   _phase(c.phase) if c.phase else None, _page_state(int(c.state)),
                   text(c.state_raw), text(c.status_text), bool(c.flat), subs)


@dataclass(frozen=True)
class OmadmAccount:
    """Provisioning\\OMADM\\Accounts\\<id>\\Protected\\ConnInfo."""
    key: str
    account_id: str
    last_session_result: Optional[int]  # an HRESULT
    server_last_access_time: Optional[str]  # raw yyyyMMddTHHmmssZ
    server_last_access_utc: Optional[str]   # "YYYY-MM-DDTHH:MM:SSZ"
    server_last_success_time: Optional[str]
    server_last_success_utc: Optional[str]

    @property
    def server_last_access(self) -> Optional[datetime]:
        """ServerLastAccessTime as an aware UTC datetime (raw beside)."""
        return utc_from_text(self.server_last_access_utc)

    @property
    def server_last_success(self) -> Optional[datetime]:
        return utc_from_text(self.server_last_success_utc)


@dataclass(frozen=True)
class PolicyNode:
    """Provisioning\\NodeCache\\CSP\\Device\\MS DM Server\\Nodes\\<n>."""
    key: str
    index: int
    uri: Optional[str]
    expected_value: Optional[str]


@dataclass(frozen=True)
class PhaseInfo:
    phase: Phase            # "device_preparation", "device_setup", "account_setup"
    status: PhaseStatus     # "completed", "failed", ...
    sid: Optional[str]
    key: Optional[str]      # the key that decided it


@dataclass(frozen=True)
class Item:
    """A flat item, as the diagnosis and the JSON "items" list see it."""
    kind: ItemKind          # "win32_app", "msi_app", ...
    id: str
    sid: Optional[str]
    phase: Phase
    state: str
    state_raw: Optional[int]
    is_ime: bool
    key: str
    value: Optional[str]


@dataclass(frozen=True)
class Change:
    """A timeline line: an entry whose state changed."""
    time: Optional[datetime]  # the snapshot's time (None: LastLoggedState)
    time_raw: str           # the snapshot's raw timestamp key name
    time_unix: Optional[int]
    last_logged_state: bool
    phase: Phase
    sid: Optional[str]
    category_name: str
    kind: ItemKind
    id: str
    state: str
    state_raw: Optional[int]
    previous: Optional[str]
    key: str
    value: str


class Esp:
    """The ESP model of a registry view (espdiag_esp).

    ``Esp.load(registry)`` builds it from an open view; ``Esp.open(path)``
    opens the file too and keeps the view (for diagnose()'s input part).
    Close it, or use it as a context manager.
    """

    def __init__(self, handle: int, registry: Optional[Registry] = None,
                 own_registry: bool = False) -> None:
        self._lock = HandleLock()
        self._handle: Optional[int] = handle
        self.registry = registry
        self._own_registry = own_registry
        with self._lock:
            self._read()

    @classmethod
    def load(cls, registry: Registry) -> "Esp":
        out = c_void_p()
        with registry._lock:
            status = lib.espdiag_esp_load(byref(out), registry.handle)
            if status < 0:
                # A failed load frees what it built: the message is the view's.
                registry._raise(status)
        return cls(out.value, registry)

    @classmethod
    def open(cls, source: Union[PathLike, bytes], prefix: Optional[str] = None, *,
             codepage: Optional[str] = None) -> "Esp":
        reg = Registry.open(source, prefix, codepage=codepage)
        try:
            esp = cls.load(reg)
        except BaseException:
            reg.close()
            raise
        esp._own_registry = True
        return esp

    @property
    def handle(self) -> int:
        if not self._handle:
            raise ValueError("the ESP model is closed")
        return self._handle

    @property
    def closed(self) -> bool:
        return not self._handle

    def __repr__(self) -> str:
        if self.closed:
            return handle_repr(self, closed=True)
        failed = len(self.failed_apps)
        return handle_repr(self, f"{self.scenario} phases=[" + ", ".join(
            f"{p.phase}:{p.status}" for p in self.phases) + f"] apps={len(self.apps)} "
            f"failed={failed}")

    def close(self) -> None:
        with self._lock:
            if self._handle:
                lib.espdiag_esp_free(self._handle)
                self._handle = None
            if self._own_registry and self.registry is not None:
                self.registry.close()

    def __enter__(self) -> "Esp":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the module may be gone
            pass

    def _read(self) -> None:
        h = self.handle
        self.has_tracking: bool = bool(lib.espdiag_esp_has_tracking(h))
        self.warnings: list[InputWarning] = [
            InputWarning._from(lib.espdiag_esp_warning_at(h, i).contents)
            for i in range(lib.espdiag_esp_warning_count(h))]
        self.enrollments: list[Enrollment] = [
            Enrollment._from(lib.espdiag_esp_enrollment_at(h, i).contents)
            for i in range(lib.espdiag_esp_enrollment_count(h))]
        primary = lib.espdiag_esp_primary_enrollment(h)
        self.primary_enrollment: Optional[Enrollment] = None
        if primary:
            guid = text(primary.contents.key)
            self.primary_enrollment = next(e for e in self.enrollments if e.key == guid)
        self.autopilot: Autopilot = Autopilot._from(lib.espdiag_esp_autopilot_info(h).contents)
        self.providers: list[Provider] = [
            Provider._from(lib.espdiag_esp_provider_at(h, i).contents)
            for i in range(lib.espdiag_esp_provider_count(h))]
        self.ime_apps: list[ImeApp] = []
        by_address: dict[int, ImeApp] = {}
        for i in range(lib.espdiag_esp_ime_app_count(h)):
            raw = lib.espdiag_esp_ime_app_at(h, i).contents
            by_address[addressof(raw)] = ImeApp._from(raw)
            self.ime_apps.append(by_address[addressof(raw)])
        self.device_setup: Setup = Setup._from(lib.espdiag_esp_device_setup(h).contents,
                                               by_address)
        self.user_setups: list[Setup] = [
            Setup._from(lib.espdiag_esp_user_setup_at(h, i).contents, by_address)
            for i in range(lib.espdiag_esp_user_setup_count(h))]
        self.office: list[Office] = []
        for i in range(lib.espdiag_esp_office_count(h)):
            o = lib.espdiag_esp_office_at(h, i).contents
            self.office.append(Office(text(o.key) or "", text(o.id) or "", u32(o.final_status),
                                      u32(o.status), u32(o.effective),
                                      text(o.effective_value)))
        self.page_categories: list[PageCategory] = [
            PageCategory._from(lib.espdiag_esp_page_category_at(h, i).contents)
            for i in range(lib.espdiag_esp_page_category_count(h))]
        self.omadm_accounts: list[OmadmAccount] = []
        for i in range(lib.espdiag_esp_omadm_account_count(h)):
            a = lib.espdiag_esp_omadm_account_at(h, i).contents
            self.omadm_accounts.append(OmadmAccount(
                text(a.key) or "", text(a.account_id) or "", u32(a.last_session_result),
                text(a.server_last_access_time), text(a.server_last_access_utc),
                text(a.server_last_success_time), text(a.server_last_success_utc)))
        #: Provisioning\OMADM\SyncML\ODJApplied (the offline domain join was
        #: applied), None when absent.
        self.odj_applied_key: Optional[str] = text(lib.espdiag_esp_odj_applied_key(h))
        self.policy_nodes: list[PolicyNode] = []
        for i in range(lib.espdiag_esp_policy_node_count(h)):
            p = lib.espdiag_esp_policy_node_at(h, i).contents
            self.policy_nodes.append(PolicyNode(text(p.key) or "", int(p.index), text(p.uri),
                                                text(p.expected_value)))
        self.snapshots: list[Snapshot] = [
            Snapshot._from(lib.espdiag_esp_snapshot_at(h, i))
            for i in range(lib.espdiag_esp_snapshot_count(h))]
        self.msi_apps: list[MsiApp] = []
        for i in range(lib.espdiag_esp_msi_app_count(h)):
            m = lib.espdiag_esp_msi_app_at(h, i).contents
            self.msi_apps.append(MsiApp(text(m.key) or "", text(m.sid) or "",
                                        text(m.product_code) or "", u32(m.status),
                                        u32(m.last_error), text(m.download_url),
                                        bool(m.is_ime)))
        self.phases: list[PhaseInfo] = []
        for i in range(lib.espdiag_esp_phase_count(h)):
            p = lib.espdiag_esp_phase_at(h, i).contents
            self.phases.append(PhaseInfo(
                _phase(p.phase),
                PhaseStatus.of_number(int(p.status),
                                      text(lib.espdiag_esp_phase_status_name(p.status))),
                text(p.sid), text(p.key)))
        self.items: list[Item] = []
        for i in range(lib.espdiag_esp_item_count(h)):
            it = lib.espdiag_esp_item_at(h, i).contents
            self.items.append(Item(
                _item_kind(int(it.kind)),
                text(it.id) or "", text(it.sid), _phase(it.phase),
                text(it.state) or "unknown", u32(it.state_raw), bool(it.is_ime),
                text(it.key) or "", text(it.value)))
        self.changes: list[Change] = []
        for i in range(lib.espdiag_esp_change_count(h)):
            c = lib.espdiag_esp_change_at(h, i).contents
            snap, entry = c.snapshot, c.entry
            s, e = snap.contents, entry.contents
            prev = (text(lib.espdiag_esp_entry_state_name(snap, c.previous))
                    if c.previous else None)
            self.changes.append(Change(
                utc_from_unix(s.time_unix, s.time_100ns) if s.time_valid else None,
                text(s.timestamp) or "", int(s.time_unix) if s.time_valid else None,
                bool(s.last_logged_state), _phase(c.phase), text(s.sid),
                text(s.category_name) or "", _item_kind(int(e.kind)), text(e.id) or "",
                text(lib.espdiag_esp_entry_state_name(snap, entry)) or "unknown",
                u32(e.state), prev, text(s.key) or "", text(e.value) or ""))
        self._read_v2(h)

    def _read_v2(self, h: int) -> None:
        #: The flow the device went through ("autopilot_v1", "autopilot_v2",
        #: "autopilot_existing_device", "esp_only", "none") and its evidence.
        self.scenario: Scenario = Scenario.NONE
        self.scenario_evidence: list[ScenarioEvidence] = []
        #: Autopilot device preparation (v2): the page and the IME's workloads.
        self.device_preparation: Optional[DevicePreparation] = None
        self.workloads: list[Workload] = []
        if not HAS_V2:
            return
        number = int(lib.espdiag_esp_scenario(h))
        self.scenario = Scenario.of_number(number, scenario_name(number))
        for i in range(lib.espdiag_esp_scenario_evidence_count(h)):
            e = lib.espdiag_esp_scenario_evidence_at(h, i).contents
            self.scenario_evidence.append(
                ScenarioEvidence(text(e.key) or "", text(e.value), text(e.data)))
        self.workloads = [Workload._from(lib.espdiag_esp_workload_at(h, i).contents)
                          for i in range(lib.espdiag_esp_workload_count(h))]
        self.device_preparation = DevicePreparation._from(
            lib.espdiag_esp_devprep_info(h).contents)

    # --- a bundle's events and Autopilot files (espdiag.events) ---

    @property
    def events(self) -> list[Any]:
        """The bundle's event log records (espdiag.events.Event), UTC order."""
        from .events import read_events
        with self._lock:
            return read_events(self.handle)

    @property
    def ztd(self) -> Any:
        """AutopilotDDSZTDFile.json (espdiag.events.Ztd), None without one."""
        from .events import read_ztd
        with self._lock:
            return read_ztd(self.handle)

    @property
    def device_hashes(self) -> list[Any]:
        """The rows of DeviceHash_*.csv (espdiag.events.DeviceHash)."""
        from .events import read_device_hashes
        with self._lock:
            return read_device_hashes(self.handle)

    @property
    def collection(self) -> Any:
        """MdmDiagLogMetadata.json (espdiag.events.Collection), None without one."""
        from .events import read_collection
        with self._lock:
            return read_collection(self.handle)

    # --- derived views ---

    @property
    def setups(self) -> list[Setup]:
        """Device setup, then each user's account setup."""
        return [self.device_setup] + self.user_setups

    @property
    def apps(self) -> list[App]:
        """Every tracked app: device setup's, then each user's."""
        return [a for s in self.setups for a in s.apps]

    @property
    def failed_apps(self) -> list[App]:
        return [a for a in self.apps if a.failed]

    def provider(self, name: str) -> Optional[Provider]:
        return next((p for p in self.providers if p.name.lower() == name.lower()), None)

    def user_setup(self, sid: str) -> Optional[Setup]:
        return next((s for s in self.user_setups if (s.sid or "").lower() == sid.lower()),
                    None)

    # --- a bundle's IME logs (espdiag.logs) ---

    @classmethod
    def load_bundle(cls, bundle: Any) -> "Esp":
        """The model of a whole evidence bundle (espdiag.logs.load_bundle)."""
        from .logs import load_bundle
        return load_bundle(bundle)

    @property
    def log_apps(self) -> list[Any]:
        """The apps of the bundle's IME logs (espdiag.logs.LogApp), by id."""
        from . import logs
        return logs.log_apps(self.handle)

    def log_app(self, app_id: str) -> Optional[Any]:
        """The IME logs' app of this GUID (any case, braces or not), or None."""
        want = app_id.strip("{}").lower()
        return next((a for a in self.log_apps if a.id == want), None)

    def app_name(self, app_id: str) -> Optional[str]:
        """The name the IME logs give the app of this GUID, or None."""
        a = self.log_app(app_id)
        return a.name if a else None

    @property
    def clock(self) -> Any:
        """The device's UTC offset and how it was found (espdiag.logs.Clock)."""
        from . import logs
        return logs.clock(self.handle)

    # --- renderings ---

    def to_json(self) -> str:
        """The model as one JSON object: enrollments, autopilot, phases, items,
        ime_apps, office, page, omadm, device_preparation (ESPDIAG_ESP_JSON_ALL_V2 and
        ESPDIAG_ESP_JSON_DEVICE_PREPARATION;
        without device_preparation on a library that lacks it)."""
        parts = 0x8FF if HAS_V2 else 0xFF
        with self._lock:
            body = _lib.capture(lambda f: lib.espdiag_esp_write_json(self.handle, parts, f))
        return "{" + body.decode("utf-8") + "}"

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())

    def timeline_text(self) -> str:
        """The timeline as espdiag timeline prints it."""
        with self._lock:
            return _lib.capture(
                lambda f: lib.espdiag_esp_timeline_write(self.handle, 0, f)).decode()

    def timeline_json(self) -> list[dict[str, Any]]:
        """The timeline as a list of JSON objects (one per change, and the
        device preparation workloads' lines: "kind" == "workload")."""
        with self._lock:
            data = _lib.capture(lambda f: lib.espdiag_esp_timeline_write(self.handle, 1, f))
        return [json.loads(line) for line in data.decode().splitlines() if line]


# --- Added in 0.2: the scenario and Autopilot device preparation (v2) ---
# The C layouts of these parts are declared here, beside the objects made of
# them, and only when the loaded library has them (an older library gives a
# model with scenario "none" and no device preparation).


class Scenario(NamedEnum):
    """The flow the device went through (espdiag_esp_scenario)."""
    NONE = "none", 0
    AUTOPILOT_V1 = "autopilot_v1", 1
    AUTOPILOT_V2 = "autopilot_v2", 2
    AUTOPILOT_EXISTING_DEVICE = "autopilot_existing_device", 3
    ESP_ONLY = "esp_only", 4


class DevprepStatus(enum.IntEnum):
    """The device preparation page's PageStatus."""
    DISABLED = 0
    ENABLED = 1
    IN_PROGRESS = 2
    EXITED_ON_SUCCESS = 3
    EXITED_ON_FAILURE = 4


class WorkloadState(enum.IntEnum):
    """An IME workload's WorkloadState (ProvisioningProgress)."""
    NOT_STARTED = 0
    COMPLETED = 1
    SKIPPED = 2
    UNINSTALLED = 3
    FAILED = 4
    IN_PROGRESS = 5
    REBOOT_REQUIRED = 6
    CANCELLED = 7


class _Evidence(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p), ("data", c_char_p)]


class _DevprepValue(Structure):
    _fields_ = [("key", c_char_p), ("name", c_char_p), ("number", _lib.U32),
                ("text", c_char_p)]


class _Devprep(Structure):
    _fields_ = [("key", c_char_p), ("hint", _DevprepValue), ("hinted", c_bool),
                ("page_enabled", _DevprepValue), ("page_settings", _DevprepValue),
                ("settings_read", c_bool), ("agent_download_timeout_seconds", _lib.U32),
                ("page_timeout_seconds", _lib.U32), ("error_message", c_char_p),
                ("allow_skip_on_failure", _lib.U32), ("allow_diagnostics", _lib.U32),
                ("page_status", _DevprepValue), ("page_error_phase", _DevprepValue),
                ("page_error_code", _DevprepValue), ("page_error_details", _DevprepValue),
                ("mdm_agent_installed", _DevprepValue), ("mdm_progress", _DevprepValue),
                ("bootstrapper_class_id", _DevprepValue),
                ("bootstrapper_execution_context", _DevprepValue),
                ("bootstrapper_installation_status_uri", _DevprepValue),
                ("in_use", c_bool)]


class _Workload(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p), ("index", c_size_t),
                ("id", c_char_p), ("app_id", c_char_p), ("name", c_char_p),
                ("state", _lib.U32), ("state_raw", c_char_p),
                ("start_raw", c_char_p), ("has_start", c_bool), ("start_unix", c_int64),
                ("start_100ns", c_uint32), ("start_utc", c_char_p),
                ("end_raw", c_char_p), ("has_end", c_bool), ("end_unix", c_int64),
                ("end_100ns", c_uint32), ("end_utc", c_char_p),
                ("has_error_code", c_bool), ("error_code", c_int64)]


HAS_V2 = _lib._declare({
    "espdiag_esp_scenario_name": (c_char_p, [c_uint32]),
    "espdiag_esp_scenario": (c_int, [c_void_p]),
    "espdiag_esp_scenario_evidence_count": (c_size_t, [c_void_p]),
    "espdiag_esp_scenario_evidence_at": (POINTER(_Evidence), [c_void_p, c_size_t]),
    "espdiag_esp_devprep_status_name": (c_char_p, [c_uint32]),
    "espdiag_esp_workload_state_name": (c_char_p, [c_uint32]),
    "espdiag_esp_devprep_info": (POINTER(_Devprep), [c_void_p]),
    "espdiag_esp_workload_count": (c_size_t, [c_void_p]),
    "espdiag_esp_workload_at": (POINTER(_Workload), [c_void_p, c_size_t]),
}, False)


def scenario_name(scenario: Union[int, Scenario]) -> str:
    return text(lib.espdiag_esp_scenario_name(_num(scenario))) or "unknown"


def devprep_status_name(status: int) -> str:
    return text(lib.espdiag_esp_devprep_status_name(status)) or "unknown"


def workload_state_name(state: int) -> str:
    return text(lib.espdiag_esp_workload_state_name(state)) or "unknown"


@dataclass(frozen=True)
class ScenarioEvidence:
    """A key (and value and data) that shows the scenario."""
    key: str
    value: Optional[str]
    data: Optional[str]


@dataclass(frozen=True)
class DevprepValue:
    """One device preparation value as read: where, as a number, as text."""
    key: str
    name: str
    number: Optional[int]
    text: Optional[str]

    @classmethod
    def _from(cls, v: _DevprepValue) -> Optional["DevprepValue"]:
        if not v.key:
            return None
        return cls(text(v.key) or "", text(v.name) or "", u32(v.number), text(v.text))


@dataclass(frozen=True)
class DevicePreparation:
    """Provisioning\\AutopilotSettings\\DevicePreparation and the hint."""
    key: Optional[str]
    in_use: bool
    hint: Optional[DevprepValue]
    hinted: bool
    page_enabled: Optional[DevprepValue]
    page_settings: Optional[DevprepValue]   # the raw JSON
    settings_read: bool
    agent_download_timeout_seconds: Optional[int]
    page_timeout_seconds: Optional[int]
    error_message: Optional[str]
    allow_skip_on_failure: Optional[bool]
    allow_diagnostics: Optional[bool]
    page_status: Optional[DevprepValue]     # number: DevprepStatus
    page_error_phase: Optional[DevprepValue]
    page_error_code: Optional[DevprepValue]
    page_error_details: Optional[DevprepValue]
    mdm_agent_installed: Optional[DevprepValue]
    mdm_progress: Optional[DevprepValue]
    bootstrapper_class_id: Optional[DevprepValue]
    bootstrapper_execution_context: Optional[DevprepValue]
    bootstrapper_installation_status_uri: Optional[DevprepValue]

    @property
    def status_name(self) -> Optional[str]:
        """"exited_on_failure", ...; None when PageStatus is absent or no number."""
        n = self.page_status.number if self.page_status else None
        return None if n is None else devprep_status_name(n)

    @classmethod
    def _from(cls, d: _Devprep) -> "DevicePreparation":
        flag = lambda v: None if not v.has else bool(v.value)  # noqa: E731
        V = DevprepValue._from
        return cls(text(d.key), bool(d.in_use), V(d.hint), bool(d.hinted), V(d.page_enabled),
                   V(d.page_settings), bool(d.settings_read),
                   u32(d.agent_download_timeout_seconds), u32(d.page_timeout_seconds),
                   text(d.error_message), flag(d.allow_skip_on_failure),
                   flag(d.allow_diagnostics), V(d.page_status), V(d.page_error_phase),
                   V(d.page_error_code), V(d.page_error_details), V(d.mdm_agent_installed),
                   V(d.mdm_progress), V(d.bootstrapper_class_id),
                   V(d.bootstrapper_execution_context),
                   V(d.bootstrapper_installation_status_uri))


@dataclass(frozen=True)
class Workload:
    """One IME workload of device preparation (ProvisioningProgress)."""
    key: str
    value: str
    index: int
    id: Optional[str]
    app_id: Optional[str]      # the id as a bare lower-case GUID, for a log join
    name: Optional[str]
    state: Optional[int]       # WorkloadState
    state_raw: Optional[str]   # as written, when a string
    start: Optional[datetime]  # aware UTC; None when absent or no time
    start_raw: Optional[str]   # as written ("/Date(...)/", ...)
    end: Optional[datetime]
    end_raw: Optional[str]
    error_code: Optional[int]

    @property
    def state_name(self) -> Optional[str]:
        return None if self.state is None else workload_state_name(self.state)

    @property
    def failed(self) -> bool:
        return self.state == WorkloadState.FAILED

    @classmethod
    def _from(cls, w: _Workload) -> "Workload":
        return cls(text(w.key) or "", text(w.value) or "", int(w.index), text(w.id),
                   text(w.app_id), text(w.name), u32(w.state), text(w.state_raw),
                   utc_from_unix(w.start_unix, w.start_100ns) if w.has_start else None,
                   text(w.start_raw),
                   utc_from_unix(w.end_unix, w.end_100ns) if w.has_end else None,
                   text(w.end_raw),
                   int(w.error_code) if w.has_error_code else None)
