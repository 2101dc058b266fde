"""espdiag - read Windows registry evidence and diagnose the Autopilot
Enrollment Status Page (Python binding of libespdiag, through ctypes).

    import espdiag
    report = espdiag.diagnose("MDMDiagReport_RegistryDump.reg")
    for f in report.findings:
        print(f.severity, f.id, f.detail)

    with espdiag.Esp.open("MDMDiagReport_RegistryDump.reg") as esp:
        for app in esp.failed_apps:
            print(app.id, app.state)

The library is found by $ESPDIAG_LIBRARY, then the libdir recorded by
`make install`, then the dynamic linker's own search for
"libespdiag.so.0", and only then ctypes.util.find_library; its major
version must match ABI_MAJOR.

Importing the package loads nothing: each name below is imported from
its submodule the first time it is used (PEP 562), so that `import
espdiag` costs a few microseconds and a program pays only for the parts
it touches (the model's classes, the library itself). A missing or
incompatible library is therefore reported, as ImportError, by the first
use of a name that needs it.
"""
from __future__ import annotations

import importlib

__version__ = "0.2.0"

# Each public name and the submodule that defines it.
_WHERE = {
    "ABI_MAJOR": "_lib", "LIBRARY_VERSION": "_lib",
    "TableBackend": "backend",
    "EspdiagError": "errors", "Status": "errors",
}
_WHERE.update(dict.fromkeys((
    "DEFAULT_APP_MINUTES", "ErrorInfo", "Evidence", "Finding", "Outcome", "Report", "Rule",
    "Severity", "Subject", "describe_error", "describe_exit_code", "diagnose", "rules"),
    "diagnose"))
_WHERE.update(dict.fromkeys((
    "App", "AppState", "Autopilot", "Category", "Change", "Enrollment", "Entry", "Esp",
    "FirstSync", "ImeApp", "Item", "ItemKind", "MsiApp", "MsiStatus", "Office",
    "OmadmAccount", "PageCategory", "PageState", "PageSubcategory", "Phase", "PhaseInfo",
    "PhaseStatus", "PolicyNode", "PolicyProvider", "Provider", "ProviderKind",
    "ProviderState", "Reboot", "Setup", "Snapshot", "enforcement_state_name",
    "page_state_name", "DevicePreparation", "DevprepStatus", "DevprepValue", "Scenario",
    "ScenarioEvidence", "Workload", "WorkloadState", "devprep_status_name", "scenario_name",
    "workload_state_name"), "esp"))
_WHERE.update(dict.fromkeys(("Bundle", "Member", "MemberKind"), "bundle"))
_WHERE.update(dict.fromkeys(("Event", "Ztd", "DeviceHash", "Collection", "load_bundle"),
                            "events"))
_WHERE.update(dict.fromkeys((
    "InputWarning", "Key", "Registry", "RegType", "Source", "Value", "reg_type_name"),
    "registry"))


def __getattr__(name: str) -> object:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'espdiag' has no attribute {name!r}")
    module = importlib.import_module(f".{where}", __name__)
    value = getattr(module, name)
    globals()[name] = value  # the next use is a plain lookup
    # Importing a submodule binds its name here: espdiag.diagnose must stay
    # the function, not become the module that defines it.
    if _WHERE.get(where) == where:
        globals()[where] = getattr(module, where)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


def library_version() -> str:
    """The version of the loaded libespdiag ("MAJOR.MINOR.PATCH")."""
    return __getattr__("LIBRARY_VERSION")


__all__ = [
    "ABI_MAJOR", "App", "AppState", "Autopilot", "Category", "Change",
    "DEFAULT_APP_MINUTES", "Enrollment", "Entry", "ErrorInfo", "Esp", "EspdiagError",
    "Evidence", "Finding", "FirstSync", "ImeApp", "InputWarning", "Item", "ItemKind", "Key",
    "MsiApp", "MsiStatus", "Office", "OmadmAccount", "Outcome", "PageCategory", "PageState",
    "PageSubcategory", "Phase", "PhaseInfo", "PhaseStatus", "PolicyNode",
    "PolicyProvider", "Provider", "ProviderKind", "ProviderState", "Reboot", "RegType",
    "Registry", "Report", "TableBackend", "Rule", "Setup", "Severity", "Snapshot", "Source", "Status",
    "Value", "describe_error", "diagnose", "enforcement_state_name", "library_version",
    "page_state_name", "reg_type_name", "rules",
    "Bundle", "Member", "MemberKind", "Subject", "describe_exit_code",
    "DevicePreparation", "DevprepStatus", "DevprepValue", "Scenario", "ScenarioEvidence",
    "Workload", "WorkloadState", "devprep_status_name", "scenario_name",
    "workload_state_name",
]
