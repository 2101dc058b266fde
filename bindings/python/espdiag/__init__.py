"""espdiag - read Windows registry evidence and diagnose the Autopilot
Enrollment Status Page (Python binding of libespdiag, through ctypes).

    import espdiag
    report = espdiag.diagnose("MDMDiagReport_RegistryDump.reg")
    for f in report.findings:
        print(f.severity, f.id, f.detail)

    with espdiag.Esp.open("MDMDiagReport_RegistryDump.reg") as esp:
        for app in esp.failed_apps:
            print(app.id, app.state)

The library is found by $ESPDIAG_LIBRARY, then ctypes.util.find_library,
then the libdir recorded by `make install`, then "libespdiag.so.0"; its
major version must match ABI_MAJOR.
"""
from ._lib import ABI_MAJOR, LIBRARY_VERSION
from .backend import TableBackend
from .bundle import Bundle, Member, MemberKind
from .diagnose import (DEFAULT_APP_MINUTES, ErrorInfo, Evidence, Finding, Outcome, Report,
                       Rule, Severity, describe_error, diagnose, rules)
from .errors import EspdiagError, Status
from .esp import (App, AppState, Autopilot, Category, Change, Enrollment, Entry, Esp,
                  FirstSync, ImeApp, Item, ItemKind, MsiApp, MsiStatus, Office, OmadmAccount,
                  PageCategory, PageState, PageSubcategory, Phase, PhaseInfo, PhaseStatus,
                  PolicyNode, PolicyProvider, Provider, ProviderKind, ProviderState, Reboot,
                  Setup, Snapshot, enforcement_state_name, page_state_name)
from .esp import (DevicePreparation, DevprepStatus, DevprepValue, Scenario, ScenarioEvidence,
                  Workload, WorkloadState, devprep_status_name, scenario_name,
                  workload_state_name)
from .registry import InputWarning, Key, Registry, RegType, Source, Value, reg_type_name

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded libespdiag ("MAJOR.MINOR.PATCH")."""
    return LIBRARY_VERSION


__all__ = [
    "ABI_MAJOR", "App", "Bundle", "Member", "MemberKind", "AppState", "Autopilot", "Category", "Change",
    "DEFAULT_APP_MINUTES", "Enrollment", "Entry", "ErrorInfo", "Esp", "EspdiagError",
    "Evidence", "Finding", "FirstSync", "ImeApp", "InputWarning", "Item", "ItemKind", "Key",
    "MsiApp", "MsiStatus", "Office", "OmadmAccount", "Outcome", "PageCategory", "PageState",
    "PageSubcategory", "Phase", "PhaseInfo", "PhaseStatus", "PolicyNode",
    "PolicyProvider", "Provider", "ProviderKind", "ProviderState", "Reboot", "RegType",
    "Registry", "Report", "TableBackend", "Rule", "Setup", "Severity", "Snapshot", "Source", "Status",
    "Value", "describe_error", "diagnose", "enforcement_state_name", "library_version",
    "page_state_name", "reg_type_name", "rules",
    "DevicePreparation", "DevprepStatus", "DevprepValue", "Scenario", "ScenarioEvidence",
    "Workload", "WorkloadState", "devprep_status_name", "scenario_name",
    "workload_state_name",
]
