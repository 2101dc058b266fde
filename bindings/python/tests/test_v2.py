"""Autopilot device preparation (v2) and the scenario, from Python: the model's
page and workloads, the report's scenario and the apv2-* findings
(tests/data/v2-*.reg)."""
import unittest
from datetime import datetime, timezone

from espdiag import (DevprepStatus, Esp, Scenario, WorkloadState, devprep_status_name,
                     diagnose, scenario_name, workload_state_name)

from support import SAMPLE, data

DP = (r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Provisioning\AutopilotSettings"
      r"\DevicePreparation")
W2 = "c0ffee00-0000-4000-8000-000000000002"


class TestNames(unittest.TestCase):
    def test_names(self):
        self.assertEqual(scenario_name(Scenario.AUTOPILOT_EXISTING_DEVICE),
                         "autopilot_existing_device")
        self.assertEqual(devprep_status_name(DevprepStatus.EXITED_ON_FAILURE),
                         "exited_on_failure")
        self.assertEqual([workload_state_name(s) for s in WorkloadState],
                         ["not_started", "completed", "skipped", "uninstalled", "failed",
                          "in_progress", "reboot_required", "cancelled"])
        self.assertEqual(workload_state_name(8), "unknown")


class TestModel(unittest.TestCase):
    def test_failed_workload(self):
        with Esp.open(data("v2-workload-failed.reg")) as esp:
            self.assertEqual(esp.scenario, "autopilot_v2")
            self.assertEqual(esp.scenario_evidence[0].value, "AutopilotDevicePrepHint")
            d = esp.device_preparation
            self.assertTrue(d.in_use)
            self.assertEqual(d.key, DP)
            self.assertEqual(d.status_name, "exited_on_failure")
            self.assertEqual((d.page_timeout_seconds, d.agent_download_timeout_seconds),
                             (3600, 900))
            self.assertEqual((d.allow_skip_on_failure, d.allow_diagnostics), (False, True))
            self.assertEqual(d.page_error_code.number, 0x80070643)
            self.assertEqual(d.mdm_progress.key, DP + r"\MDMProvider")
            self.assertEqual([w.state_name for w in esp.workloads],
                             ["completed", "failed", "skipped"])
            w = esp.workloads[1]
            self.assertTrue(w.failed)
            self.assertEqual((w.id, w.app_id, w.name, w.error_code), (W2, W2, "7-Zip", 1603))
            self.assertEqual((w.start, w.end),
                             (datetime(2024, 6, 20, 10, 1, tzinfo=timezone.utc),
                              datetime(2024, 6, 20, 10, 5, 0, 500000, tzinfo=timezone.utc)))
            self.assertEqual(w.start.isoformat(), "2024-06-20T10:01:00+00:00")
            self.assertEqual(esp.workloads[2].start_raw, "/Date(-62135596800000)/")
            self.assertIsNone(esp.workloads[2].start)
            self.assertEqual(esp.to_dict()["device_preparation"]["workloads"][1]["error_code"],
                             1603)
            lines = [t for t in esp.timeline_json() if t["kind"] == "workload"]
            self.assertEqual([(t["event"], t["state"]) for t in lines],
                             [("start", "started"), ("state", "completed"),
                              ("start", "started"), ("state", "failed"), ("state", "skipped")])

    def test_v1(self):
        with Esp.open(SAMPLE) as esp:
            self.assertEqual(esp.scenario, "autopilot_v1")
            self.assertFalse(esp.device_preparation.in_use)
            self.assertIsNone(esp.device_preparation.key)
            self.assertEqual(esp.workloads, [])


class TestReport(unittest.TestCase):
    def test_acceptance(self):
        r = diagnose(data("v2-workload-failed.reg"))
        self.assertEqual(r.scenario, "autopilot_v2")
        self.assertEqual(r.rule_ids, ["apv2-workload-failed", "apv2-page-failed"])
        f = r.by_id("apv2-workload-failed")[0]
        self.assertEqual((f.subject.kind, f.subject.id, f.subject.name),
                         ("workload", W2, "7-Zip"))
        self.assertEqual((f.error_code, f.exit_code), (0x80070643, 1603))
        self.assertIsNone(f.phase)
        self.assertEqual(r.to_dict()["scenario"]["name"], "autopilot_v2")
        self.assertIn(" - scenario autopilot_v2\n", r.text.splitlines(True)[0])

    def test_scenarios(self):
        self.assertEqual(diagnose(SAMPLE).scenario, "autopilot_v1")
        self.assertEqual(diagnose(data("diag-render.reg")).scenario, "esp_only")
        self.assertEqual(diagnose(data("diag-empty.reg")).scenario, "none")
        self.assertEqual(diagnose(data("v2-existing.reg")).scenario,
                         "autopilot_existing_device")
        self.assertEqual(diagnose(data("v2-both.reg")).rule_ids,
                         ["apv2-workload-failed", "app-install-failed", "phase-skipped"])


if __name__ == "__main__":
    unittest.main()
