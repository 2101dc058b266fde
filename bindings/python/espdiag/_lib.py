"""espdiag._lib - loads libespdiag and declares the C prototypes it uses.

Everything that knows the C ABI lives here: the library search, the version
check, the struct layouts of the public headers (a prefix of each: the
library only ever appends fields) and argtypes/restype of every function.
"""
from __future__ import annotations

import ctypes
import os
from ctypes import (POINTER, Structure, c_bool, c_char_p, c_int, c_int64, c_size_t,
                    c_uint, c_uint32, c_uint64, c_void_p)
from typing import Callable, Optional

from .errors import EspdiagError

#: The library's major version this binding speaks; a library with another
#: major has another ABI and is refused.
ABI_MAJOR = 0


def _candidates() -> list[str]:
    """Where to look, in order: $ESPDIAG_LIBRARY alone when set, else the
    libdir recorded by `make install`, then the bare soname (the dynamic
    linker's own search). ctypes.util.find_library is not among them: it
    runs ldconfig or a compiler (some 65 ms), so _load() asks it only
    when all of these fail."""
    env = os.environ.get("ESPDIAG_LIBRARY")
    if env:
        return [env]
    out: list[str] = []
    try:
        from ._config import LIBDIR  # written by make install
        out.append(os.path.join(LIBDIR, "libespdiag.so.0"))
    except ImportError:
        pass
    out.append("libespdiag.so.0")
    return out


def _load() -> ctypes.CDLL:
    errors = []
    names = _candidates()
    for name in names:
        try:
            return ctypes.CDLL(name, use_errno=True)  # errno: errors.io_error()
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    if not os.environ.get("ESPDIAG_LIBRARY"):
        from ctypes.util import find_library  # the last resort: see _candidates()
        found = find_library("espdiag")
        if found and found not in names:
            try:
                return ctypes.CDLL(found, use_errno=True)
            except OSError as exc:
                errors.append(f"{found}: {exc}")
    raise ImportError("cannot load libespdiag (set ESPDIAG_LIBRARY to its path): "
                      + "; ".join(errors))


lib = _load()

# --- structs (public headers, field for field: the library only ever appends
# fields, and a struct's appended fields are listed here too) ---


class Warning_(Structure):
    _fields_ = [("line", c_uint64), ("column", c_uint64), ("offset", c_uint64),
                ("message", c_char_p)]


class U32(Structure):
    _fields_ = [("value", c_uint32), ("has", c_bool)]


class FirstSync(Structure):
    _fields_ = [
        ("key", c_char_p),
        ("skip_device_status_page", U32), ("skip_user_status_page", U32),
        ("device_page_skipped", c_bool), ("user_page_skipped", c_bool),
        ("block_in_status_page", U32), ("sync_failure_timeout", U32),
        ("timeout_minutes", c_uint32), ("timeout_is_default", c_bool),
        ("allow_collect_logs_button", U32), ("custom_error_text", c_char_p),
        ("is_sync_done", U32), ("is_server_provisioning_done", U32),
        ("applications_duration", U32), ("policy_duration", U32),
        ("networking_duration", U32), ("certificates_duration", U32),
        ("has_timestamp", c_bool), ("timestamp_filetime", c_uint64),
        ("timestamp_unix", c_int64), ("timestamp_100ns", c_uint32),
        ("timestamp_utc", c_char_p),
    ]


class Enrollment(Structure):
    _fields_ = [("key", c_char_p), ("guid", c_char_p), ("provider_id", c_char_p),
                ("upn", c_char_p), ("tenant_id", c_char_p), ("enrollment_type", U32),
                ("first_sync", POINTER(FirstSync))]


class Autopilot(Structure):
    _fields_ = [("key", c_char_p), ("tenant_id", c_char_p), ("tenant_domain", c_char_p),
                ("profile_name", c_char_p), ("oobe_config", U32),
                ("domain_join_method", U32), ("hybrid_join", c_bool),
                ("correlations_key", c_char_p), ("ztd_id", c_char_p),
                ("ent_dm_id", c_char_p),
                # appended in 0.2
                ("policy_cache_key", c_char_p), ("from_policy_cache", c_bool)]


class ResourceType(Structure):
    _fields_ = [("name", c_char_p), ("value", U32)]


class Provider(Structure):
    _fields_ = [("key", c_char_p), ("name", c_char_p), ("kind", c_int), ("state", U32),
                ("last_error", U32), ("timeout", U32), ("resource_types_key", c_char_p),
                ("resource_type_count", c_size_t),
                ("resource_types", POINTER(ResourceType))]


class PolicyProvider(Structure):
    _fields_ = [("key", c_char_p), ("name", c_char_p), ("tracking_policies_created", U32)]


class ImeApp(Structure):
    _fields_ = [("key", c_char_p), ("user_id", c_char_p), ("device", c_bool),
                ("app_id", c_char_p), ("revision", U32),
                ("enforcement_key", c_char_p), ("enforcement_value", c_char_p),
                ("enforcement_state", U32), ("has_enforcement_error", c_bool),
                ("enforcement_error", c_int64),
                ("compliance_key", c_char_p), ("compliance_value", c_char_p),
                ("applicability", U32), ("compliance_state", U32), ("desired_state", U32),
                ("install_context", U32), ("target_type", U32),
                ("has_compliance_error", c_bool), ("compliance_error", c_int64)]


class App(Structure):
    _fields_ = [("key", c_char_p), ("id", c_char_p), ("provider", c_char_p),
                ("kind", c_int), ("app_guid", c_char_p), ("version", U32),
                ("state", U32), ("reboot_required", U32), ("tracking_uri", c_char_p),
                ("sid", c_char_p),
                # appended in 0.2
                ("error_hresult", U32), ("ime", POINTER(ImeApp))]


class Office(Structure):
    _fields_ = [("key", c_char_p), ("id", c_char_p), ("final_status", U32),
                ("status", U32), ("effective", U32), ("effective_value", c_char_p)]


class PageSubcategory(Structure):
    _fields_ = [("name", c_char_p), ("state", c_int), ("state_raw", c_char_p),
                ("status_text", c_char_p)]


class PageCategory(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p), ("name", c_char_p),
                ("phase", c_int), ("state", c_int), ("state_raw", c_char_p),
                ("status_text", c_char_p), ("flat", c_bool),
                ("subcategory_count", c_size_t),
                ("subcategories", POINTER(POINTER(PageSubcategory)))]


class OmadmAccount(Structure):
    _fields_ = [("key", c_char_p), ("account_id", c_char_p),
                ("last_session_result", U32),
                ("server_last_access_time", c_char_p), ("server_last_access_utc", c_char_p),
                ("server_last_success_time", c_char_p),
                ("server_last_success_utc", c_char_p)]


class PolicyNode(Structure):
    _fields_ = [("key", c_char_p), ("index", c_uint32), ("uri", c_char_p),
                ("expected_value", c_char_p)]


class Setup(Structure):
    _fields_ = [("key", c_char_p), ("sid", c_char_p),
                ("has_provisioning_completed", U32), ("apps_key", c_char_p),
                ("locked", U32), ("policy_provider_count", c_size_t),
                ("policy_providers", POINTER(POINTER(PolicyProvider))),
                ("app_count", c_size_t), ("apps", POINTER(POINTER(App)))]


class Entry(Structure):
    _fields_ = [("value", c_char_p), ("id", c_char_p), ("kind", c_int), ("state", U32)]


class Snapshot(Structure):
    _fields_ = [("key", c_char_p), ("sid", c_char_p), ("category", c_int),
                ("owner_category", c_int), ("category_name", c_char_p),
                ("last_logged_state", c_bool), ("timestamp", c_char_p),
                ("time_valid", c_bool), ("time_unix", c_int64), ("time_100ns", c_uint32),
                ("entry_count", c_size_t), ("entries", POINTER(Entry))]


class MsiApp(Structure):
    _fields_ = [("key", c_char_p), ("sid", c_char_p), ("product_code", c_char_p),
                ("status", U32), ("last_error", U32), ("download_url", c_char_p),
                ("is_ime", c_bool)]


class PhaseInfo(Structure):
    _fields_ = [("phase", c_int), ("status", c_int), ("sid", c_char_p), ("key", c_char_p)]


class Item(Structure):
    _fields_ = [("kind", c_int), ("id", c_char_p), ("sid", c_char_p), ("phase", c_int),
                ("state", c_char_p), ("state_raw", U32), ("is_ime", c_bool),
                ("key", c_char_p), ("value", c_char_p)]


class Change(Structure):
    _fields_ = [("snapshot", POINTER(Snapshot)), ("entry", POINTER(Entry)),
                ("phase", c_int), ("previous", POINTER(Entry))]


class Rule(Structure):
    _fields_ = [("id", c_char_p), ("severity", c_int), ("summary", c_char_p)]


class ErrorInfo(Structure):
    _fields_ = [("code", c_uint32), ("symbol", c_char_p), ("meaning", c_char_p),
                ("flags", c_uint32)]


class OpenOptions(Structure):
    _fields_ = [("version", c_uint), ("codepage", c_char_p),
                ("max_input_size", c_uint64), ("max_member_size", c_uint64),
                ("max_decompressed", c_uint64), ("max_keys", c_uint64),
                ("max_values", c_uint64), ("max_value_size", c_uint64),
                ("max_depth", c_uint32)]


OPEN_OPTIONS_VERSION = 1


class DiagnoseOptions(Structure):
    _fields_ = [("version", c_uint), ("app_minutes", c_uint),
                ("skip_rules", POINTER(c_char_p)), ("skip_rules_csv", c_char_p),
                ("registry", c_void_p)]


DIAGNOSE_OPTIONS_VERSION = 1

# --- prototypes ---

_P = POINTER
_protos: dict[str, tuple[object, list]] = {
    # common.h, version.h
    "espdiag_strerror": (c_char_p, [c_int]),
    "espdiag_free": (None, [c_void_p]),
    "espdiag_version": (c_char_p, []),
    "espdiag_version_number": (c_uint, []),
    # registry.h
    "espdiag_reg_type_name": (c_char_p, [c_uint32]),
    "espdiag_registry_new": (c_int, [_P(c_void_p)]),
    "espdiag_registry_free": (None, [c_void_p]),
    "espdiag_registry_open_file": (c_int, [c_void_p, c_char_p, c_char_p, _P(OpenOptions)]),
    "espdiag_registry_open_memory": (c_int, [c_void_p, c_void_p, c_size_t, c_char_p,
                                             c_char_p, _P(OpenOptions)]),
    "espdiag_registry_mount": (c_int, [c_void_p, c_char_p, c_void_p]),
    "espdiag_registry_errmsg": (c_char_p, [c_void_p]),
    "espdiag_registry_source_count": (c_size_t, [c_void_p]),
    "espdiag_registry_source_property": (c_char_p, [c_void_p, c_size_t, c_char_p]),
    "espdiag_registry_warning_count": (c_size_t, [c_void_p]),
    "espdiag_registry_warning_at": (_P(Warning_), [c_void_p, c_size_t, _P(c_size_t)]),
    "espdiag_registry_root": (c_void_p, [c_void_p]),
    "espdiag_registry_key": (c_int, [_P(c_void_p), c_void_p, c_char_p]),
    "espdiag_registry_export": (c_int, [c_void_p, c_void_p, c_uint32, c_void_p]),
    "espdiag_key_subkey": (c_int, [_P(c_void_p), c_void_p, c_char_p]),
    "espdiag_key_name": (c_void_p, [c_void_p]),
    "espdiag_key_name_len": (c_size_t, [c_void_p]),
    "espdiag_key_path": (c_void_p, [c_void_p]),
    "espdiag_key_parent": (c_void_p, [c_void_p]),
    "espdiag_key_last_write": (c_int, [c_void_p, _P(c_uint64)]),
    "espdiag_key_subkey_count": (c_size_t, [c_void_p]),
    "espdiag_key_subkey_at": (c_int, [_P(c_void_p), c_void_p, c_size_t]),
    "espdiag_key_value_count": (c_size_t, [c_void_p]),
    "espdiag_key_value_at": (c_int, [_P(c_void_p), c_void_p, c_size_t]),
    "espdiag_key_value": (c_int, [_P(c_void_p), c_void_p, c_char_p]),
    "espdiag_value_name": (c_void_p, [c_void_p]),
    "espdiag_value_name_len": (c_size_t, [c_void_p]),
    "espdiag_value_type": (c_uint32, [c_void_p]),
    "espdiag_value_data": (c_void_p, [c_void_p]),
    "espdiag_value_size": (c_size_t, [c_void_p]),
    "espdiag_value_get_dword": (c_int, [c_void_p, _P(c_uint32)]),
    "espdiag_value_get_qword": (c_int, [c_void_p, _P(c_uint64)]),
    "espdiag_value_get_string": (c_int, [_P(c_void_p), c_void_p]),
    "espdiag_value_get_multi_string": (c_int, [_P(c_void_p), _P(c_size_t), c_void_p]),
    # esp.h
    "espdiag_esp_provider_state_name": (c_char_p, [c_uint32]),
    "espdiag_esp_app_state_name": (c_char_p, [c_uint32]),
    "espdiag_esp_reboot_name": (c_char_p, [c_uint32]),
    "espdiag_esp_msi_status_name": (c_char_p, [c_uint32]),
    "espdiag_esp_phase_name": (c_char_p, [c_uint32]),
    "espdiag_esp_phase_status_name": (c_char_p, [c_uint32]),
    "espdiag_esp_item_kind_name": (c_char_p, [c_uint32]),
    "espdiag_esp_category_name": (c_char_p, [c_uint32]),
    "espdiag_esp_provider_kind_name": (c_char_p, [c_uint32]),
    "espdiag_esp_oobe_flag_name": (c_char_p, [c_uint32]),
    "espdiag_esp_load": (c_int, [_P(c_void_p), c_void_p]),
    "espdiag_esp_free": (None, [c_void_p]),
    "espdiag_esp_errmsg": (c_char_p, [c_void_p]),
    "espdiag_esp_warning_count": (c_size_t, [c_void_p]),
    "espdiag_esp_warning_at": (_P(Warning_), [c_void_p, c_size_t]),
    "espdiag_esp_has_tracking": (c_bool, [c_void_p]),
    "espdiag_esp_enrollment_count": (c_size_t, [c_void_p]),
    "espdiag_esp_enrollment_at": (_P(Enrollment), [c_void_p, c_size_t]),
    "espdiag_esp_primary_enrollment": (_P(Enrollment), [c_void_p]),
    "espdiag_esp_autopilot_info": (_P(Autopilot), [c_void_p]),
    "espdiag_esp_provider_count": (c_size_t, [c_void_p]),
    "espdiag_esp_provider_at": (_P(Provider), [c_void_p, c_size_t]),
    "espdiag_esp_device_setup": (_P(Setup), [c_void_p]),
    "espdiag_esp_user_setup_count": (c_size_t, [c_void_p]),
    "espdiag_esp_user_setup_at": (_P(Setup), [c_void_p, c_size_t]),
    "espdiag_esp_snapshot_count": (c_size_t, [c_void_p]),
    "espdiag_esp_snapshot_at": (_P(Snapshot), [c_void_p, c_size_t]),
    "espdiag_esp_entry_state_name": (c_char_p, [_P(Snapshot), _P(Entry)]),
    "espdiag_esp_msi_app_count": (c_size_t, [c_void_p]),
    "espdiag_esp_msi_app_at": (_P(MsiApp), [c_void_p, c_size_t]),
    "espdiag_esp_phase_count": (c_size_t, [c_void_p]),
    "espdiag_esp_phase_at": (_P(PhaseInfo), [c_void_p, c_size_t]),
    "espdiag_esp_item_count": (c_size_t, [c_void_p]),
    "espdiag_esp_item_at": (_P(Item), [c_void_p, c_size_t]),
    "espdiag_esp_change_count": (c_size_t, [c_void_p]),
    "espdiag_esp_change_at": (_P(Change), [c_void_p, c_size_t]),
    "espdiag_esp_timeline_write": (c_int, [c_void_p, c_uint32, c_void_p]),
    "espdiag_esp_write_json": (c_int, [c_void_p, c_uint32, c_void_p]),
    # esp.h, added in 0.2
    "espdiag_esp_enforcement_state_name": (c_char_p, [c_uint32]),
    "espdiag_esp_page_state_name": (c_char_p, [c_uint32]),
    "espdiag_esp_ime_app_count": (c_size_t, [c_void_p]),
    "espdiag_esp_ime_app_at": (_P(ImeApp), [c_void_p, c_size_t]),
    "espdiag_esp_office_count": (c_size_t, [c_void_p]),
    "espdiag_esp_office_at": (_P(Office), [c_void_p, c_size_t]),
    "espdiag_esp_page_category_count": (c_size_t, [c_void_p]),
    "espdiag_esp_page_category_at": (_P(PageCategory), [c_void_p, c_size_t]),
    "espdiag_esp_omadm_account_count": (c_size_t, [c_void_p]),
    "espdiag_esp_omadm_account_at": (_P(OmadmAccount), [c_void_p, c_size_t]),
    "espdiag_esp_odj_applied_key": (c_char_p, [c_void_p]),
    "espdiag_esp_policy_node_count": (c_size_t, [c_void_p]),
    "espdiag_esp_policy_node_at": (_P(PolicyNode), [c_void_p, c_size_t]),
}

# diagnose.h; declared only when the loaded library has it, so that the
# registry and model parts work against a library built without it.
_diagnose_protos: dict[str, tuple[object, list]] = {
    "espdiag_severity_name": (c_char_p, [c_uint32]),
    "espdiag_outcome_name": (c_char_p, [c_uint32]),
    "espdiag_rule_count": (c_size_t, []),
    "espdiag_rule_at": (_P(Rule), [c_size_t]),
    "espdiag_error_describe": (c_int, [_P(_P(ErrorInfo)), c_uint32]),
    "espdiag_diagnose": (c_int, [_P(c_void_p), c_void_p, _P(DiagnoseOptions)]),
    "espdiag_report_free": (None, [c_void_p]),
    "espdiag_report_outcome": (c_int, [c_void_p]),
    "espdiag_report_severity_count": (c_size_t, [c_void_p, c_int]),
    "espdiag_report_has_errors": (c_bool, [c_void_p]),
    "espdiag_report_finding_count": (c_size_t, [c_void_p]),
    "espdiag_report_finding_at": (c_void_p, [c_void_p, c_size_t]),
    "espdiag_finding_id": (c_char_p, [c_void_p]),
    "espdiag_finding_severity": (c_int, [c_void_p]),
    "espdiag_finding_phase": (c_uint32, [c_void_p]),
    "espdiag_finding_sid": (c_char_p, [c_void_p]),
    "espdiag_finding_title": (c_char_p, [c_void_p]),
    "espdiag_finding_detail": (c_char_p, [c_void_p]),
    "espdiag_finding_remediation": (c_char_p, [c_void_p]),
    "espdiag_finding_error_code": (c_int, [_P(c_uint32), c_void_p]),
    "espdiag_finding_evidence_count": (c_size_t, [c_void_p]),
    "espdiag_finding_evidence_key": (c_char_p, [c_void_p, c_size_t]),
    "espdiag_finding_evidence_value": (c_char_p, [c_void_p, c_size_t]),
    "espdiag_finding_evidence_data": (c_char_p, [c_void_p, c_size_t]),
    "espdiag_report_write_text": (c_int, [c_void_p, c_int, c_void_p]),
    "espdiag_report_to_json": (c_int, [_P(c_void_p), c_void_p]),
}


def _declare(table: dict[str, tuple[object, list]], required: bool) -> bool:
    for name, (restype, argtypes) in table.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            if required:
                raise ImportError(f"libespdiag lacks {name}: too old for this binding")
            return False
        fn.restype = restype
        fn.argtypes = argtypes
    return True


# The model of a bundle: its events and Autopilot files (esp.h, 0.2).
class EventData(Structure):
    _fields_ = [("name", c_char_p), ("value", c_char_p)]


class Event(Structure):
    _fields_ = [("member", c_char_p), ("channel", c_char_p), ("provider", c_char_p),
                ("event_id", c_uint32), ("level", c_uint32), ("has_time", c_bool),
                ("time_unix", c_int64), ("time_100ns", c_uint32), ("utc_time", c_char_p),
                ("record_id", c_uint64), ("recovered", c_bool), ("data_count", c_size_t),
                ("data", POINTER(EventData))]


class Ztd(Structure):
    _fields_ = [("member", c_char_p), ("has_error", c_bool), ("error_code", c_int64),
                ("error_reason", c_char_p), ("tenant_id", c_char_p),
                ("tenant_domain", c_char_p), ("profile_name", c_char_p),
                ("oobe_config", c_char_p), ("domain_join_method", c_char_p),
                ("policy_download_date", c_char_p), ("ztd_registration_id", c_char_p),
                ("correlation_id", c_char_p)]


class DeviceHash(Structure):
    _fields_ = [("member", c_char_p), ("serial", c_char_p), ("product_id", c_char_p),
                ("hash_present", c_bool), ("hash_length", c_size_t)]


class Collection(Structure):
    _fields_ = [("member", c_char_p), ("collected", c_char_p), ("areas", c_char_p)]


_bundle_model_protos: dict[str, tuple[object, list]] = {
    "espdiag_esp_load_bundle": (c_int, [POINTER(c_void_p), c_void_p]),
    "espdiag_esp_event_count": (c_size_t, [c_void_p]),
    "espdiag_esp_event_at": (POINTER(Event), [c_void_p, c_size_t]),
    "espdiag_esp_ztd_info": (POINTER(Ztd), [c_void_p]),
    "espdiag_esp_device_hash_count": (c_size_t, [c_void_p]),
    "espdiag_esp_device_hash_at": (POINTER(DeviceHash), [c_void_p, c_size_t]),
    "espdiag_esp_collection_info": (POINTER(Collection), [c_void_p]),
}

_declare(_protos, True)
HAS_DIAGNOSE = _declare(_diagnose_protos, False)
HAS_BUNDLE_MODEL = _declare(_bundle_model_protos, False)

LIBRARY_VERSION: str = lib.espdiag_version().decode("ascii")
if int(LIBRARY_VERSION.split(".")[0]) != ABI_MAJOR:
    raise ImportError(f"libespdiag {LIBRARY_VERSION} is not ABI {ABI_MAJOR}.x, "
                      "which this binding speaks")

# --- helpers ---

# C stdio for the functions that write to a FILE *: open_memstream gives a
# FILE * whose bytes land in a malloc'd buffer (POSIX 2008).
_libc = ctypes.CDLL(None)
_libc.open_memstream.restype = c_void_p
_libc.open_memstream.argtypes = [_P(c_void_p), _P(c_size_t)]
_libc.fclose.restype = c_int
_libc.fclose.argtypes = [c_void_p]
_libc.free.restype = None
_libc.free.argtypes = [c_void_p]


def capture(write: Callable[[int], int]) -> bytes:
    """Runs write(FILE *) into memory and returns what it wrote; a failing
    status becomes EspdiagError."""
    buf = c_void_p()
    size = c_size_t()
    stream = _libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not stream:
        raise MemoryError("open_memstream failed")
    try:
        status = write(stream)
    finally:
        _libc.fclose(stream)
    try:
        data = ctypes.string_at(buf, size.value) if buf.value else b""
    finally:
        _libc.free(buf)
    check(status)
    return data


def text(raw: Optional[bytes]) -> Optional[str]:
    """A library string (UTF-8, NULL for absent) as str or None."""
    return None if raw is None else raw.decode("utf-8", "replace")


def strerror(status: int) -> str:
    return lib.espdiag_strerror(status).decode("utf-8", "replace")


def check(status: int, message: Optional[str] = None) -> int:
    """Raises EspdiagError for a negative status; returns the others."""
    if status < 0:
        raise EspdiagError(status, message or strerror(status))
    return status


def take_string(ptr: c_void_p) -> str:
    """Reads a NUL-terminated string the library allocated, then frees it."""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib.espdiag_free(ptr)


def u32(v: U32) -> Optional[int]:
    return int(v.value) if v.has else None


def name_of(fn: Callable[[int], Optional[bytes]], value: Optional[int]) -> Optional[str]:
    """A *_name() function applied to an optional number."""
    if value is None:
        return None
    return text(fn(value))


# --- bundle.h (added in 0.2): declared only when the loaded library has it ---

class BundleOptions(Structure):
    _fields_ = [("version", c_uint), ("open", POINTER(OpenOptions)), ("mount", c_char_p),
                ("max_members", c_uint64), ("max_total", c_uint64), ("max_nesting", c_uint32)]


BUNDLE_OPTIONS_VERSION = 1


class Member_(Structure):
    _fields_ = [("name", c_char_p), ("kind", ctypes.c_int), ("size", c_uint64),
                ("has_size", c_bool), ("read", c_bool), ("reason", c_char_p),
                ("summary", c_char_p)]


_bundle_protos: dict[str, tuple[object, list]] = {
    "espdiag_member_kind_name": (c_char_p, [ctypes.c_int]),
    "espdiag_bundle_new": (c_int, [POINTER(c_void_p), POINTER(BundleOptions)]),
    "espdiag_bundle_free": (None, [c_void_p]),
    "espdiag_bundle_open_file": (c_int, [c_void_p, c_char_p]),
    "espdiag_bundle_open_memory": (c_int, [c_void_p, c_void_p, c_size_t, c_char_p]),
    "espdiag_bundle_errmsg": (c_char_p, [c_void_p]),
    "espdiag_bundle_format": (c_char_p, [c_void_p]),
    "espdiag_bundle_member_count": (c_size_t, [c_void_p]),
    "espdiag_bundle_member_at": (POINTER(Member_), [c_void_p, c_size_t]),
    "espdiag_bundle_registry_count": (c_size_t, [c_void_p]),
    "espdiag_bundle_registry": (c_void_p, [c_void_p]),
    "espdiag_bundle_warning_count": (c_size_t, [c_void_p]),
    "espdiag_bundle_warning_at": (POINTER(Warning_), [c_void_p, c_size_t]),
}
HAS_BUNDLE = _declare(_bundle_protos, False)


# --- diagnose.h: the HTML report (added in 0.2; declared when the loaded
# library has it) ---


class HtmlOptions(Structure):
    _fields_ = [("version", c_uint), ("title", c_char_p)]


HTML_OPTIONS_VERSION = 1
HAS_HTML = HAS_DIAGNOSE and _declare({
    "espdiag_report_write_html": (c_int, [c_void_p, c_void_p, _P(HtmlOptions), c_void_p]),
}, False)
