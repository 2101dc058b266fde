"""The binding as a Python library (issue 16): Key as a mapping of values,
backend failures raised, one handle shared by threads, reprs."""
import enum
import json
import os
import threading
import time
import unittest
from datetime import datetime, timezone

import espdiag
from espdiag import (Esp, EspdiagError, ItemKind, Outcome, Phase, PhaseStatus, Registry,
                     Scenario, Severity, Status, TableBackend, diagnose)
from espdiag._util import NamedEnum, utc_from_filetime, utc_from_text, utc_from_unix
from espdiag.backend import TableBackend as _TB

from support import ESP_KEY, FAILED_APP, SAMPLE, data
from test_registry import TYPES_REG

NAMES = ["", "Multi", "Q", "E", "B", "BE", "Odd", "D", "ShortD"]


class TestKeyMapping(unittest.TestCase):
    def setUp(self):
        self.reg = Registry.open(TYPES_REG, name="types.reg")
        self.addCleanup(self.reg.close)
        self.key = self.reg.key(r"HKCU\Software\Test")

    def test_values_only(self):
        k = self.key
        self.assertEqual(list(k), NAMES)
        self.assertEqual(len(k), 9)
        self.assertEqual(list(k.keys()), NAMES)
        self.assertEqual(k["D"], 42)
        self.assertEqual(k["d"], 42)          # names are case-insensitive
        self.assertIn("shortd", k)
        self.assertNotIn("Sub", k)            # a subkey is not a value
        self.assertNotIn(3, k)
        with self.assertRaises(KeyError):
            k["Sub"]
        self.assertEqual(dict(k.items()), k.as_dict())
        self.assertEqual(list(k.values())[7], 42)
        self.assertEqual(k.get("Nope", "x"), "x")
        self.assertEqual([s.path for s in k.subkeys()], [r"HKEY_CURRENT_USER\Software\Test\Sub"])
        self.assertEqual(k.subkey("sub").name, "Sub")
        self.assertEqual(k.subkey_count(), 1)

    def test_a_key_without_values_is_still_true(self):
        sub = self.key.subkey("Sub")
        self.assertEqual((len(sub), list(sub)), (0, []))
        self.assertTrue(sub)

    def test_value_objects_keep_types(self):
        self.assertEqual([v.name for v in self.key.value_objects()], NAMES)
        self.assertEqual(self.key.value_objects()[7].type_name, "REG_DWORD")


class _Failing(_TB):
    """Fails to list the values or subkeys of the keys called "Broken"."""

    @_TB._guard
    def _value_count(self, _self, key, out):
        if self._keys[key].name.value == b"Broken":
            raise RuntimeError("backend down")
        out[0] = len(self._keys[key].values)
        return Status.OK

    @_TB._guard
    def _subkey_count(self, _self, key, out):
        if self._keys[key].name.value == b"Broken":
            raise RuntimeError("backend down")
        out[0] = len(self._keys[key].children)
        return Status.OK


class TestBackendFailure(unittest.TestCase):
    def test_failed_listing_raises_not_empty(self):
        with Registry() as reg:
            reg.mount(_Failing({"Broken": {"x": 1}, "Fine": {"y": 2}}), r"HKLM\X")
            broken = reg.key(r"HKLM\X\Broken")
            for read in (len, list, lambda k: k.subkeys(), lambda k: k.subkey_count(),
                         lambda k: k.as_dict(), lambda k: k.value_objects()):
                with self.assertRaises(EspdiagError) as cm:
                    read(broken)
                self.assertEqual(cm.exception.status, Status.EBACKEND)
            fine = reg.key(r"HKLM\X\Fine")
            self.assertEqual(dict(fine), {"y": 2})


class _Probe(_TB):
    """Records how many threads are inside the backend at once."""

    def __init__(self, table):
        super().__init__(table)
        self.inside = 0
        self.most = 0
        self.guard = threading.Lock()

    @_TB._guard
    def _value_count(self, _self, key, out):
        with self.guard:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.002)  # lets another thread in, were there no lock
        with self.guard:
            self.inside -= 1
        out[0] = len(self._keys[key].values)
        return Status.OK


class TestThreads(unittest.TestCase):
    def run_threads(self, work):
        errors = []

        def run(i):
            try:
                work(i)
            except BaseException as exc:  # reported below
                errors.append(exc)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_calls_on_one_handle_are_serialised(self):
        probe = _Probe({f"K{i}": {"n": i} for i in range(48)})
        with Registry() as reg:
            reg.mount(probe, r"HKLM\X")
            results = {}

            def work(t):
                order = list(range(48))[t::8] + list(range(48))
                results[t] = [reg.key(rf"HKLM\X\K{i}")["n"] for i in order]
            self.run_threads(work)
            self.assertEqual(probe.most, 1)
            for t in range(8):
                self.assertEqual(results[t], list(range(48))[t::8] + list(range(48)))

    def test_eight_threads_over_one_registry(self):
        with Registry.open(SAMPLE) as reg:
            track = ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar"
            want = {name: reg.key(track).subkey(name).as_dict()
                    for name in reg.key(track).subkey_names()}
            fs = r"HKLM\SOFTWARE\Microsoft\Enrollments\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}\FirstSync"
            want_fs = reg.key(fs).as_dict()
            got = {}

            def work(t):
                mine = []
                for _ in range(30):
                    k = reg.key(track)
                    mine.append(({s.name: dict(s) for s in k.subkeys()}, dict(reg.key(fs))))
                got[t] = mine
            self.run_threads(work)
            self.assertEqual(sorted(got), list(range(8)))
            for t in range(8):
                self.assertEqual(len(got[t]), 30)
                for apps, first_sync in got[t]:
                    self.assertEqual(apps, want)
                    self.assertEqual(first_sync, want_fs)


class TestRepr(unittest.TestCase):
    def test_handles(self):
        reg = Registry.open(SAMPLE)
        self.assertEqual(repr(reg), f"<espdiag.Registry 1 source: {SAMPLE!r}>")
        k = reg.key(r"HKLM\SOFTWARE")
        self.assertEqual(repr(k), r"<espdiag.Key 'HKEY_LOCAL_MACHINE\\SOFTWARE'>")
        reg.close()
        self.assertEqual(repr(reg), "<espdiag.Registry (closed)>")
        self.assertEqual(repr(k), "<espdiag.Key (closed)>")
        self.assertEqual(repr(Registry()), "<espdiag.Registry no sources>")
        self.assertTrue(repr(TableBackend({})).startswith("<espdiag.TableBackend 1 key"))

    def test_esp_and_report(self):
        with Esp.open(SAMPLE) as esp:
            self.assertEqual(repr(esp), "<espdiag.Esp autopilot_v1 phases=[device_preparation:"
                             "completed, device_setup:failed, account_setup:not_started] "
                             "apps=3 failed=1>")
            r = diagnose(esp)
        self.assertEqual(repr(esp), "<espdiag.Esp (closed)>")
        self.assertEqual(repr(r), "<espdiag.Report failed scenario=autopilot_v1 errors=1 "
                         "warnings=1 infos=0 findings=[app-install-failed, "
                         "app-install-incomplete]>")
        f = r.findings[0]
        self.assertTrue(repr(f).startswith("Finding(id='app-install-failed', "
                                           "severity=<Severity.ERROR: 'error'>, "
                                           "phase=<Phase.DEVICE_SETUP: 'device_setup'>"))


class TestNames(unittest.TestCase):
    def test_diagnose_is_the_function_whatever_was_imported_first(self):
        import subprocess
        import sys
        code = ("import espdiag; espdiag.Outcome; from espdiag import diagnose; "
                "print(callable(diagnose), type(diagnose).__name__)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(out, "True function\n")


class TestEnums(unittest.TestCase):
    def test_fields_are_enum_members_equal_to_their_names(self):
        r = diagnose(SAMPLE)
        f = r.findings[0]
        for member, cls, name in ((f.severity, Severity, "error"),
                                  (f.phase, Phase, "device_setup"),
                                  (r.outcome, Outcome, "failed"),
                                  (r.scenario, Scenario, "autopilot_v1")):
            self.assertIsInstance(member, enum.Enum)
            self.assertIs(type(member), cls)
            self.assertEqual(member, name)
            self.assertEqual(str(member), name)
            self.assertEqual(f"{member}", name)
            self.assertEqual(json.dumps(member), f'"{name}"')
        self.assertIs(f.severity, Severity.ERROR)
        from espdiag import MemberKind
        self.assertEqual((MemberKind.IME_LOG, MemberKind.of_number(3).label), ("ime_log", "ime_log"))
        self.assertEqual((Severity.ERROR.number, Outcome("failed").number), (3, 2))
        self.assertEqual({x.severity for x in espdiag.rules()},
                         {Severity.INFO, Severity.WARNING, Severity.ERROR})
        with Esp.open(SAMPLE) as esp:
            self.assertEqual(esp.phases[1].phase, Phase.DEVICE_SETUP)
            self.assertIs(esp.phases[1].status, PhaseStatus.FAILED)
            self.assertIs(esp.apps[0].kind, ItemKind.WIN32_APP)
            self.assertIs([i for i in esp.items if i.id == FAILED_APP][0].kind, ItemKind.WIN32_APP)
            self.assertIs(esp.changes[0].phase, Phase.DEVICE_SETUP)
            self.assertIs(esp.scenario, Scenario.AUTOPILOT_V1)
            from espdiag.esp import phase_name
            self.assertEqual(phase_name(Phase.ACCOUNT_SETUP), "account_setup")

    def test_a_name_this_binding_does_not_know(self):
        class Colour(NamedEnum):
            RED = "red", 1
        new = Colour("ultraviolet")
        self.assertEqual((new, new.name, new.number), ("ultraviolet", "ULTRAVIOLET", None))
        self.assertIs(Colour.of_number(1), Colour.RED)
        self.assertEqual(Colour.of_number(9), "unknown")
        self.assertIs(Colour("RED"), Colour.RED)


class TestTimes(unittest.TestCase):
    def test_conversions(self):
        utc = timezone.utc
        self.assertEqual(utc_from_unix(0, 15), datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=utc))
        self.assertEqual(utc_from_filetime(133_500_000_001_234_567),
                         datetime(2024, 1, 17, 21, 20, 0, 123456, tzinfo=utc))
        self.assertEqual(utc_from_text("2025-01-03T19:03:52.2392064Z"),
                         datetime(2025, 1, 3, 19, 3, 52, 239206, tzinfo=utc))
        self.assertEqual(utc_from_text("2025-01-03T19:03:52Z"),
                         datetime(2025, 1, 3, 19, 3, 52, tzinfo=utc))
        self.assertIsNone(utc_from_text("20250103T190352Z"))
        self.assertIsNone(utc_from_text(None))

    def test_model_times(self):
        with Esp.open(data("esp-omadm.reg")) as esp:
            a = esp.omadm_accounts[0]
            self.assertEqual(a.server_last_access, utc_from_text(a.server_last_access_utc))
            self.assertEqual(a.server_last_access.tzinfo, timezone.utc)
        with Esp.open(SAMPLE) as esp:
            s = [x for x in esp.snapshots if x.time_unix is not None][0]
            self.assertEqual(s.time, utc_from_unix(s.time_unix, s.time_100ns))
            self.assertEqual(s.time.tzinfo, timezone.utc)


class TestDiagnoseInputs(unittest.TestCase):
    def test_bytes_only_as_data(self):
        with open(SAMPLE, "rb") as fh:
            raw = fh.read()
        for bad in (raw, bytearray(raw), memoryview(raw), os.fsencode(SAMPLE)):
            with self.assertRaises(TypeError) as cm:
                diagnose(bad)
            self.assertIn("diagnose(data=...)", str(cm.exception))
        self.assertEqual(diagnose(data=raw).rule_ids, diagnose(SAMPLE).rule_ids)
        with self.assertRaises(TypeError):
            diagnose()
        with self.assertRaises(TypeError):
            diagnose(SAMPLE, data=raw)
        with self.assertRaises(TypeError):
            diagnose(data="not bytes")
        with self.assertRaises(TypeError):
            diagnose(42)

    def test_missing_file_and_bad_input(self):
        with self.assertRaises(FileNotFoundError):
            diagnose(SAMPLE + ".missing")
        with self.assertRaises(EspdiagError) as cm:
            diagnose(data=b"\x00garbage" * 20)
        self.assertEqual(cm.exception.status, Status.EFORMAT)


class TestReportData(unittest.TestCase):
    def test_to_dict_and_records(self):
        r = diagnose(SAMPLE)
        d = r.to_dict()
        self.assertEqual((d["schema"], d["summary"]["outcome"]), ("espdiag-report/1", "failed"))
        self.assertEqual(len(d["findings"]), 2)
        recs = r.records()
        self.assertEqual(len(recs), len(r.findings))
        self.assertEqual(len({tuple(x) for x in recs}), 1)  # every record has the same keys
        first = recs[0]
        self.assertEqual({k: first[k] for k in ("outcome", "id", "severity", "phase",
                                                 "evidence_key", "subject_kind")},
                         {"outcome": "failed", "id": "app-install-failed", "severity": "error",
                          "phase": "device_setup",
                          "evidence_key": ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar"
                                          "\\" + FAILED_APP,
                          "subject_kind": "win32_app"})
        for rec in recs:  # flat: scalars only, plain str (not enum members)
            for v in rec.values():
                self.assertIn(type(v), (str, int, type(None)))
        json.dumps(recs)


if __name__ == "__main__":
    unittest.main()
