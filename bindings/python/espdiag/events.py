"""espdiag.events - what the model of a bundle keeps besides the registry:
its event log records and its Autopilot files (esp.h, 0.2), as frozen
dataclasses copied out of the model.

    with espdiag.Bundle.open("autopilot.cab") as bundle:
        with espdiag.load_bundle(bundle) as esp:
            for e in esp.events:
                print(e.time, e.channel, e.event_id, e.data)
            if esp.ztd and esp.ztd.error_code == 807:
                print("not registered for Autopilot")
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from . import _lib
from ._lib import lib, text
from ._util import utc_from_unix
from .errors import EspdiagError

if TYPE_CHECKING:
    from .bundle import Bundle
    from .esp import Esp

LEVELS = {1: "critical", 2: "error", 3: "warning", 4: "information", 5: "verbose"}


@dataclass(frozen=True)
class Event:
    """One event log record of the ESP's channels (espdiag_esp_event)."""
    member: str                     # the bundle member (file) it was read from
    channel: str
    provider: str
    event_id: int
    level: int                      # 1 critical .. 5 verbose; 0 when absent
    time_utc: Optional[str]         # UTC "YYYY-MM-DDTHH:MM:SS.fffffffZ", None without one
    time_unix: Optional[int]
    time_100ns: Optional[int]
    record_id: int
    recovered: bool                 # found in a chunk's free space
    data: tuple[tuple[str, str], ...]   # (name, value) in document order; "" for no name

    @property
    def time(self) -> Optional[datetime]:
        """The event's time as an aware UTC datetime (raw: time_utc, time_unix)."""
        if self.time_unix is None:
            return None
        return utc_from_unix(self.time_unix, self.time_100ns or 0)

    @property
    def level_name(self) -> str:
        return LEVELS.get(self.level, "unknown")

    def get(self, name: str) -> Optional[str]:
        """The value of the first data item named name, None when none."""
        return next((v for n, v in self.data if n == name), None)

    @classmethod
    def _from(cls, e: _lib.Event) -> "Event":
        data = tuple((text(e.data[i].name) or "", text(e.data[i].value) or "")
                     for i in range(e.data_count))
        return cls(text(e.member) or "", text(e.channel) or "", text(e.provider) or "",
                   int(e.event_id), int(e.level), text(e.utc_time) if e.has_time else None,
                   int(e.time_unix) if e.has_time else None,
                   int(e.time_100ns) if e.has_time else None, int(e.record_id),
                   bool(e.recovered), data)


@dataclass(frozen=True)
class Ztd:
    """AutopilotDDSZTDFile.json: the profile, or the service's error."""
    member: str
    error_code: Optional[int]       # 807 for ZtdDeviceIsNotRegistered; None: a profile
    error_reason: Optional[str]
    tenant_id: Optional[str]
    tenant_domain: Optional[str]
    profile_name: Optional[str]
    oobe_config: Optional[str]
    domain_join_method: Optional[str]
    policy_download_date: Optional[str]
    ztd_registration_id: Optional[str]
    correlation_id: Optional[str]

    @property
    def registered(self) -> bool:
        """False when the file holds an error instead of a profile."""
        return self.error_code is None

    @classmethod
    def _from(cls, z: _lib.Ztd) -> "Ztd":
        t = text
        return cls(t(z.member) or "", int(z.error_code) if z.has_error else None,
                   t(z.error_reason), t(z.tenant_id), t(z.tenant_domain), t(z.profile_name),
                   t(z.oobe_config), t(z.domain_join_method), t(z.policy_download_date),
                   t(z.ztd_registration_id), t(z.correlation_id))


@dataclass(frozen=True)
class DeviceHash:
    """One row of DeviceHash_<name>.csv (the hash itself is not kept)."""
    member: str
    serial: str
    product_id: str
    hash_present: bool
    hash_length: int


@dataclass(frozen=True)
class Collection:
    """MdmDiagLogMetadata.json: when the collection was made, its areas."""
    member: str
    collected: Optional[str]
    areas: Optional[str]            # ";"-separated


def _need() -> None:
    if not _lib.HAS_BUNDLE_MODEL:
        raise EspdiagError(-1, "libespdiag is too old for the model of a bundle")


def load_bundle(bundle: "Bundle") -> "Esp":
    """The ESP model of a whole bundle (espdiag_esp_load_bundle): the
    registry view's model plus the IME logs, the events and the Autopilot
    files (espdiag.logs.load_bundle)."""
    from .logs import load_bundle as load
    return load(bundle)


def read_events(handle: int) -> list[Event]:
    _need()
    return [Event._from(lib.espdiag_esp_event_at(handle, i).contents)
            for i in range(lib.espdiag_esp_event_count(handle))]


def read_ztd(handle: int) -> Optional[Ztd]:
    _need()
    z = lib.espdiag_esp_ztd_info(handle)
    return Ztd._from(z.contents) if z else None


def read_device_hashes(handle: int) -> list[DeviceHash]:
    _need()
    out = []
    for i in range(lib.espdiag_esp_device_hash_count(handle)):
        h = lib.espdiag_esp_device_hash_at(handle, i).contents
        out.append(DeviceHash(text(h.member) or "", text(h.serial) or "",
                              text(h.product_id) or "", bool(h.hash_present),
                              int(h.hash_length)))
    return out


def read_collection(handle: int) -> Optional[Collection]:
    _need()
    c = lib.espdiag_esp_collection_info(handle)
    if not c:
        return None
    return Collection(text(c.contents.member) or "", text(c.contents.collected),
                      text(c.contents.areas))
