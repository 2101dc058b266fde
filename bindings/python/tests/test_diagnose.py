"""diagnose(): findings and evidence as dataclasses, JSON, options, catalogue."""
import unittest

import espdiag
from espdiag import Esp, EspdiagError, Evidence, Finding, Registry, Status, diagnose
from espdiag.diagnose import ErrorInfo, Subject, describe_exit_code

from support import ESP_KEY, FAILED_APP, SAMPLE, data

# The rule ids DESIGN.md makes a public contract.
CATALOGUE = [
    "no-esp-data", "os-too-old-for-win32-tracking", "phase-skipped", "ime-install-failed",
    "provider-install-failed", "provider-not-installed", "tracking-policies-missing",
    "app-install-failed", "app-install-incomplete", "account-setup-not-started",
    "mixed-msi-win32", "timeout-too-short", "msi-install-failed", "cert-profile-pending",
    "network-profile-pending", "modern-app-pending", "reboot-required", "esp-completed",
    "input-damaged", "office-install-failed", "esp-phase-failed", "apv2-workload-failed",
    "apv2-page-failed", "apv2-timeout", "apv2-not-applied", "app-detection-failed",
    "app-slow", "enrollment-failed", "odj-failed", "hybrid-registration-failed",
    "autopilot-not-registered"]


class TestSample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.report = diagnose(SAMPLE)

    def test_outcome(self):
        r = self.report
        self.assertEqual(r.outcome, "failed")
        self.assertTrue(r.has_errors)
        self.assertEqual(r.errors, 1)
        self.assertEqual(r.errors + r.warnings + r.infos, len(r.findings))
        self.assertNotIn("esp-completed", r.rule_ids)
        self.assertNotIn("no-esp-data", r.rule_ids)

    def test_failed_app_finding(self):
        (f,) = self.report.by_id("app-install-failed")
        self.assertIsInstance(f, Finding)
        self.assertEqual((f.severity, f.phase, f.sid), ("error", "device_setup", None))
        self.assertTrue(f.is_error)
        self.assertIn(FAILED_APP, f.detail)
        self.assertTrue(f.title and f.remediation)
        self.assertEqual(f.evidence[0], Evidence(
            ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar" + "\\" + FAILED_APP,
            "InstallationState", "4 (error)"))
        # The findings are ordered: the error of device setup comes first.
        self.assertEqual(self.report.findings[0], f)

    def test_json(self):
        js = self.report.to_json()
        self.assertNotIn("\n", js)
        d = self.report.to_dict()
        self.assertEqual(d["schema"], "espdiag-report/1")
        self.assertEqual(d["tool"], {"name": "espdiag", "version": espdiag.library_version()})
        self.assertEqual(d["input"]["path"], SAMPLE)
        self.assertEqual((d["input"]["format"], d["input"]["encoding"], d["input"]["dialect"]),
                         ("reg", "utf-16le", "dump"))
        self.assertEqual(d["summary"], {"outcome": "failed", "errors": self.report.errors,
                                        "warnings": self.report.warnings,
                                        "infos": self.report.infos, "incomplete": False})
        self.assertEqual([f["id"] for f in d["findings"]], self.report.rule_ids)
        self.assertEqual(d["findings"][0]["evidence"][0]["data"], "4 (error)")

    def test_text(self):
        self.assertIn("[error] app-install-failed", self.report.text)
        self.assertNotIn("\x1b[", self.report.text)

    def test_subject(self):
        (f,) = self.report.by_id("app-install-failed")
        self.assertEqual(f.subject, Subject("win32_app", "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
                                            None, "device", None))
        d = self.report.to_dict()
        (j,) = [x for x in d["findings"] if x["id"] == "app-install-failed"]
        self.assertEqual(j["subject"], {"kind": "win32_app",
                                        "id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
                                        "name": None, "context": "device", "sid": None})
        self.assertFalse(self.report.incomplete)


class TestInputs(unittest.TestCase):
    def test_esp_registry_bytes_give_the_same_findings(self):
        want = diagnose(SAMPLE).rule_ids
        with Esp.open(SAMPLE) as esp:
            self.assertEqual(diagnose(esp).rule_ids, want)
        with Registry.open(SAMPLE) as reg:
            self.assertEqual(diagnose(reg).rule_ids, want)
        with open(SAMPLE, "rb") as fh:
            r = diagnose(data=fh.read())
        self.assertEqual(r.rule_ids, want)
        self.assertEqual(r.to_dict()["input"]["path"], "(memory)")

    def test_skip_rules(self):
        r = diagnose(SAMPLE, skip_rules=["app-install-failed"])
        self.assertNotIn("app-install-failed", r.rule_ids)
        with self.assertRaises(EspdiagError) as cm:
            diagnose(SAMPLE, skip_rules=["no-such-rule"])
        self.assertEqual(cm.exception.status, Status.EINVAL)

    def test_ime_failed_with_error_code(self):
        r = diagnose(data("esp-prep-failed.reg"))
        (f,) = r.by_id("ime-install-failed")
        self.assertEqual((f.severity, f.phase, f.error_code), ("error", "device_preparation", 0x800705B4))
        self.assertEqual(r.outcome, "failed")
        self.assertEqual(f.subject, Subject("provider", "Sidecar", "Intune Management Extension",
                                            "device", None))
        self.assertIsNone(f.exit_code)
        self.assertEqual((f.error.code, f.error.symbol, f.error.community_only),
                         (0x800705B4, "ERROR_TIMEOUT", False))
        (j,) = [x for x in r.to_dict()["findings"] if x["id"] == "ime-install-failed"]
        self.assertEqual(j["error"], {"hresult": "0x800705b4", "decimal": -2147023436,
                                      "exit_code": None, "symbol": "ERROR_TIMEOUT",
                                      "meaning": f.error.meaning, "community_only": False})

    def test_app_exit_code(self):
        # ErrorHresult 0x80070643 and the IME's ErrorCode 1603 (issue 13 acceptance).
        r = diagnose(data("diag-app-exit-code.reg"))
        f = r.findings[0]
        self.assertEqual((f.id, f.error_code, f.exit_code), ("app-install-failed", 0x80070643, 1603))
        self.assertEqual(f.subject, Subject("win32_app", "aaaaaaaa-0000-4000-8000-000000000001",
                                            None, "device", None))
        self.assertEqual((f.error.symbol, f.error.community_only), ("ERROR_INSTALL_FAILURE", False))
        self.assertIn("ErrorCode is 1603, the installer's exit code behind it.", f.detail)
        j = r.to_dict()["findings"][0]
        self.assertEqual(j["error"], {"hresult": "0x80070643", "decimal": -2147023293,
                                      "exit_code": 1603, "symbol": "ERROR_INSTALL_FAILURE",
                                      "meaning": f.error.meaning, "community_only": False})
        self.assertEqual(r.findings[1].exit_code, None)
        self.assertEqual(r.findings[1].error_code, 0x87D1041C)

    def test_office_and_page(self):
        r = diagnose(data("diag-office.reg"))
        self.assertEqual(r.by_id("office-install-failed")[0].subject,
                         Subject("office", "{0F0F0F0F-0000-4000-8000-000000000001}",
                                 "Microsoft 365 Apps", "device", None))
        r = diagnose(data("diag-page-failed.reg"))
        (t, a) = r.by_id("esp-phase-failed")
        self.assertEqual((t.error_code, t.subject.name),
                         (0x800705B4, "DeviceSetup.CertificatesSubcategory"))
        self.assertEqual(a.subject, Subject("phase", "device_setup",
                                            "DeviceSetup.AppsSubcategory", "device", None))

    def test_no_subject(self):
        r = diagnose(data("diag-ok.reg"))
        self.assertEqual(r.rule_ids, ["esp-completed"])
        self.assertIsNone(r.findings[0].subject)
        self.assertIsNone(r.findings[0].error)
        self.assertIsNone(r.to_dict()["findings"][0]["subject"])

    def test_damaged_input_is_incomplete(self):
        with open(data("diag-ok.reg"), "rb") as fh:
            text = fh.read()
        r = diagnose(data=text + b'\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso]\n"bad"=dword:xyz\n')
        self.assertTrue(r.incomplete)
        self.assertEqual((r.rule_ids, r.outcome), (["input-damaged"], "unknown"))
        self.assertIn("withheld: esp-completed.", r.findings[0].detail)
        self.assertEqual(r.findings[0].subject, Subject("input", "(memory)", None, "device"))
        self.assertTrue(r.to_dict()["summary"]["incomplete"])
        self.assertFalse(diagnose(data=text).incomplete)

    def test_no_esp_data(self):
        r = diagnose(data("esp-absent.reg"))
        self.assertEqual(r.rule_ids, ["no-esp-data"])
        self.assertEqual(r.outcome, "unknown")
        self.assertIsNone(r.findings[0].phase)

    def test_user_finding_has_sid(self):
        r = diagnose(data("esp-users.reg"))
        (f,) = r.by_id("tracking-policies-missing")
        self.assertEqual((f.phase, f.sid), ("account_setup", "s-1-12-1-200"))

    def test_app_minutes(self):
        # 60 minutes for 3 tracked apps: short only with a large allowance.
        self.assertNotIn("timeout-too-short", diagnose(SAMPLE).rule_ids)
        self.assertIn("timeout-too-short", diagnose(SAMPLE, app_minutes=30).rule_ids)


class TestCatalogue(unittest.TestCase):
    def test_rules(self):
        rules = espdiag.rules()
        self.assertEqual([r.id for r in rules], CATALOGUE)
        sev = {r.id: r.severity for r in rules}
        self.assertEqual(sev["app-install-failed"], "error")
        self.assertEqual(sev["mixed-msi-win32"], "warning")
        self.assertEqual(sev["esp-completed"], "info")
        self.assertTrue(all(r.summary for r in rules))

    def test_describe_error(self):
        e = espdiag.describe_error(0x80070643)
        self.assertEqual((e.code, e.symbol), (0x80070643, "ERROR_INSTALL_FAILURE"))
        self.assertTrue(e.meaning)
        self.assertIsNotNone(espdiag.describe_error(0x800705B4))
        self.assertIsNone(espdiag.describe_error(0x12345678))

    def test_describe_exit_code(self):
        e = describe_exit_code(1603)
        self.assertEqual(e, ErrorInfo(0x80070643, "ERROR_INSTALL_FAILURE",
                                      "Fatal error during installation (MSI 1603): read the "
                                      "installer's own log.", False))
        self.assertEqual(describe_exit_code(-2147023293), e)
        self.assertEqual(describe_exit_code(0x80070643), e)
        self.assertEqual(describe_exit_code(1618).symbol, "ERROR_INSTALL_ALREADY_RUNNING")
        self.assertEqual(describe_exit_code(3010).code, 0x80070BC2)
        self.assertTrue(describe_exit_code(-2016214939).community_only)  # 0x87D30065
        for none in (0, 42, 0x10000, 1 << 40, 1 << 70, -(1 << 70)):
            self.assertIsNone(describe_exit_code(none), none)


if __name__ == "__main__":
    unittest.main()
