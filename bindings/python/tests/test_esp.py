"""The ESP model as Python objects, against the project's fixtures."""
import unittest
from datetime import datetime, timezone

from espdiag import AppState, Esp, ItemKind, Registry

from support import ESP_KEY, FAILED_APP, SAMPLE, data


class TestSample(unittest.TestCase):
    def setUp(self):
        self.esp = Esp.open(SAMPLE)
        self.addCleanup(self.esp.close)

    def test_failed_app(self):
        (app,) = self.esp.failed_apps
        self.assertEqual(app.id, FAILED_APP)
        self.assertEqual(app.state, AppState.ERROR)
        self.assertEqual(app.state_name, "error")
        self.assertEqual(app.provider, "Sidecar")
        self.assertEqual(app.kind, ItemKind.WIN32_APP)
        self.assertEqual(app.kind_name, "win32_app")
        self.assertEqual(app.app_guid, "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d")
        self.assertEqual(app.version, 3)
        self.assertEqual(app.reboot_name, "none")
        self.assertIsNone(app.sid)
        self.assertEqual(app.key, ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar" + "\\" + FAILED_APP)

    def test_device_setup(self):
        s = self.esp.device_setup
        self.assertEqual(s.key, ESP_KEY + r"\Device\Setup")
        self.assertEqual((s.has_provisioning_completed, s.locked), (0, 1))
        self.assertEqual([(p.name, p.tracking_policies_created) for p in s.policy_providers],
                         [("Sidecar", 1)])
        self.assertEqual([(a.id, a.state) for a in s.apps], [
            ("Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1", 3),
            (FAILED_APP, 4),
            ("Win32App_c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5_2", 1)])
        self.assertEqual(self.esp.user_setups, [])
        self.assertEqual(self.esp.setups, [s])

    def test_phases(self):
        self.assertEqual([(p.phase, p.status, p.sid) for p in self.esp.phases], [
            ("device_preparation", "completed", None),
            ("device_setup", "failed", None),
            ("account_setup", "not_started", None)])
        self.assertEqual(self.esp.phases[1].key, self.esp.failed_apps[0].key)

    def test_enrollment_and_first_sync(self):
        (e,) = self.esp.enrollments
        self.assertIs(self.esp.primary_enrollment, e)
        self.assertEqual(e.guid, "{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}")
        self.assertEqual((e.provider_id, e.upn, e.enrollment_type),
                         ("MS DM Server", "avery.lee@fabrikam.example", 6))
        fs = e.first_sync
        self.assertEqual((fs.block_in_status_page, fs.timeout_minutes, fs.timeout_is_default),
                         (6, 60, False))
        self.assertFalse(fs.device_page_skipped or fs.user_page_skipped)
        self.assertEqual(fs.timestamp_filetime, 0x01DB5E123A8E5C00)
        self.assertEqual(fs.timestamp_utc, "2025-01-03T19:03:52.2392064Z")
        self.assertEqual(fs.timestamp, datetime(2025, 1, 3, 19, 3, 52, 239206, tzinfo=timezone.utc))
        self.assertEqual(fs.applications_duration, 2700)

    def test_autopilot_and_providers(self):
        a = self.esp.autopilot
        self.assertEqual((a.tenant_domain, a.profile_name, a.oobe_config, a.hybrid_join),
                         ("fabrikam.example", "Fabrikam standard laptop", 0x51E, False))
        self.assertEqual(a.ztd_id, "3b9a7c51-0d2e-4f68-a1b3-c4d5e6f70819")
        (p,) = self.esp.providers
        self.assertEqual((p.name, p.kind_name, p.state_name, p.timeout, p.resource_types),
                         ("Sidecar", "sidecar", "completed", 15, {"Apps": 1}))
        self.assertIs(self.esp.provider("sidecar"), p)
        self.assertTrue(self.esp.has_tracking)

    def test_msi_ime_package(self):
        (m,) = self.esp.msi_apps
        self.assertEqual((m.product_code, m.status, m.status_name, m.is_ime),
                         ("{4E9A1C2B-7D3F-4B8E-9C1A-2F3E4D5C6B7A}", 70, "success", True))

    def test_timeline(self):
        failed = [(c.time_raw, c.state, c.previous) for c in self.esp.changes
                  if c.id == FAILED_APP]
        self.assertEqual(failed, [
            ("2026-11-24T09:12:03.1234567Z", "not_installed", None),
            ("2026-11-24T09:19:41.5Z", "in_progress", "not_installed"),
            ("2026-11-24T09:58:07.25Z", "error", "in_progress")])
        lines = self.esp.timeline_text().splitlines()
        self.assertEqual(len(lines), len(self.esp.changes))
        self.assertIn("2026-11-24T09:58:07.2500000Z device_setup device Sidecar win32_app "
                      "error(4) " + FAILED_APP, lines)
        js = self.esp.timeline_json()
        self.assertEqual(len(js), len(self.esp.changes))
        self.assertEqual((js[0]["phase"], js[0]["context"]), ("device_setup", "device"))

    def test_json(self):
        d = self.esp.to_dict()
        self.assertEqual(list(d), ["enrollments", "autopilot", "phases", "items", "ime_apps",
                                   "office", "page", "omadm", "device_preparation"])
        self.assertEqual(d["phases"][1]["status"], "failed")
        ids = {(i["id"], i["state"]) for i in d["items"]}
        self.assertIn((FAILED_APP, "error"), ids)

    def test_items(self):
        win32 = [(i.id, i.state, i.phase) for i in self.esp.items if i.kind == "win32_app"]
        self.assertIn((FAILED_APP, "error", "device_setup"), win32)
        self.assertEqual(len(win32), 3)


class TestFixtures(unittest.TestCase):
    def test_users(self):
        with Esp.open(data("esp-users.reg")) as esp:
            self.assertEqual([(p.phase, p.status, p.sid) for p in esp.phases], [
                ("device_preparation", "completed", None),
                ("device_setup", "completed", None),
                ("account_setup", "in_progress", "S-1-12-1-100"),
                ("account_setup", "identifying", "s-1-12-1-200"),
                ("account_setup", "not_started", "S-1-12-1-300")])
            self.assertEqual([a.id for a in esp.device_setup.apps],
                             ["Provisioning_TS", "Win32App_5c2f66a9-e10f-438a-b801-fbbcbe6a99e7_7"])
            self.assertEqual(esp.device_setup.apps[0].kind_name, "configmgr")
            self.assertEqual(esp.device_setup.apps[1].reboot_name, "soft")
            a = esp.user_setup("s-1-12-1-100")
            self.assertEqual([(x.id, x.state, x.state_name, x.sid) for x in a.apps], [
                ("Win32App_8c4d1dd7-cf76-4ede-8ad3-6fb5a55483e3", 7, "unknown", "S-1-12-1-100"),
                ("Win32App_95679759-1c8c-4682-9a90-105ef065f2e6_1", 2, "in_progress", "S-1-12-1-100")])
            self.assertIsNone(esp.user_setup("S-1-12-1-300").key)
            self.assertEqual(len(esp.apps), 4)
            self.assertEqual(esp.failed_apps, [])

    def test_prep_failed(self):
        with Esp.open(data("esp-prep-failed.reg")) as esp:
            (p,) = esp.providers
            self.assertEqual((p.state, p.state_name, p.last_error), (4, "error", 0x800705B4))
            self.assertEqual([x.status for x in esp.phases], ["failed", "not_started", "not_started"])

    def test_enrollments(self):
        with Esp.open(data("esp-enrollments.reg")) as esp:
            self.assertEqual([e.guid for e in esp.enrollments], [
                "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "{11111111-2222-3333-4444-555555555555}",
                "{99999999-8888-7777-6666-555555555555}"])
            self.assertEqual(esp.primary_enrollment.upn, "user1@contoso.example")
            fs = esp.primary_enrollment.first_sync
            self.assertEqual((fs.skip_user_status_page, fs.user_page_skipped), (0xFFFFFFFF, True))
            self.assertEqual((fs.sync_failure_timeout, fs.timeout_minutes, fs.timeout_is_default),
                             (None, 60, True))
            self.assertEqual(fs.custom_error_text, 'Call the "Help Desk" on x1234.')
            self.assertIsNone(esp.enrollments[2].first_sync)
            self.assertEqual(esp.autopilot.profile_name, 'Hybrid "HQ"')
            self.assertTrue(esp.autopilot.hybrid_join)
            self.assertIn("skip_keyboard", esp.autopilot.oobe_flags)
            self.assertFalse(esp.has_tracking)
            (w,) = esp.warnings
            self.assertIn(r"FirstSync\SyncFailureTimeout", w.message)

    def test_timeline_fixture(self):
        with Esp.open(data("esp-timeline.reg")) as esp:
            self.assertEqual(len(esp.snapshots), 16)
            self.assertEqual(len(esp.changes), 16)
            app = [(c.time_raw, c.state, c.previous) for c in esp.changes
                   if c.id == "Win32App_aaaaaaaa-0000-0000-0000-000000000001_1"]
            self.assertEqual(app, [
                ("2026-11-20T12:00:00Z", "not_installed", None),
                ("2026-11-20t12:01:00.1234567z", "in_progress", "not_installed"),
                ("2026-11-20T13:02:00.5+01:00", "completed", "in_progress"),
                ("not a time", "error", "completed"),
                ("LastLoggedState", "completed", "error")])
            # The aware UTC time beside the raw name; None where there is none.
            times = [c.time for c in esp.changes
                     if c.id == "Win32App_aaaaaaaa-0000-0000-0000-000000000001_1"]
            self.assertEqual(times, [
                datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc),
                datetime(2026, 11, 20, 12, 1, 0, 123456, tzinfo=timezone.utc),
                datetime(2026, 11, 20, 12, 2, 0, 500000, tzinfo=timezone.utc),
                None, None])
            user = [c for c in esp.changes if c.sid]
            self.assertEqual([(c.sid, c.phase) for c in user], [("S-1-12-1-100", "account_setup")])
            self.assertEqual([(m.status_name, m.is_ime) for m in esp.msi_apps], [
                ("enforcement_failed", False), ("success", True), ("unknown", False)])
            entries = {e.id: e.state_name for s in esp.snapshots for e in s.entries}
            self.assertEqual(entries["./Vendor/MSFT/Policy/Config/Foo/Bar/Baz"], "processed")
            self.assertEqual(entries["Corp WiFi"], "processed")
            self.assertEqual(entries["cert2"], "unknown")

    def test_absent(self):
        with Esp.open(data("esp-absent.reg")) as esp:
            self.assertEqual((esp.enrollments, esp.providers, esp.items), ([], [], []))
            self.assertIsNone(esp.autopilot.key)
            self.assertIsNone(esp.device_setup.key)
            self.assertEqual({p.status for p in esp.phases}, {"unknown"})

    def test_load_from_registry_and_close(self):
        with Registry.open(data("esp-users.reg")) as reg:
            esp = Esp.load(reg)
        # The model copies what it keeps: it outlives the view.
        self.assertEqual(len(esp.phases), 5)
        self.assertEqual(esp.to_dict()["phases"][0]["phase"], "device_preparation")
        esp.close()
        self.assertTrue(esp.closed)
        with self.assertRaises(ValueError):
            esp.to_json()


if __name__ == "__main__":
    unittest.main()
