"""The ESP model's parts added in 0.2 as Python objects: the IME's Win32Apps
state joined to the tracked apps, OfficeCSP, the page's own category status,
the profile cache, OMA-DM, ODJ and the NodeCache (tests/data/esp-*.reg)."""
import unittest

from espdiag import (Esp, PageState, enforcement_state_name, page_state_name)

from support import data

W32 = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\IntuneManagementExtension\Win32Apps"
DEV = "00000000-0000-0000-0000-000000000000"
UA = "d1b2c3d4-0000-4000-8000-00000000000a"
G1 = "11111111-aaaa-4aaa-8aaa-000000000001"
G2 = "22222222-aaaa-4aaa-8aaa-000000000002"
G3 = "33333333-aaaa-4aaa-8aaa-000000000003"
PROV = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Provisioning"


class TestNames(unittest.TestCase):
    def test_names(self):
        self.assertEqual([enforcement_state_name(n) for n in (1000, 2000, 3000, 5000, 5003,
                                                              5123, 6002, 4999, 7000)],
                         ["succeeded", "in_progress", "requirements_not_met", "error",
                          "download_failed", "error", "blocked_reboot_pending", "unknown",
                          "unknown"])
        self.assertEqual(page_state_name(PageState.TIMED_OUT), "timed_out")
        self.assertEqual(page_state_name(99), "unknown")


class TestIme(unittest.TestCase):
    def setUp(self):
        self.esp = Esp.open(data("esp-ime.reg"))
        self.addCleanup(self.esp.close)

    def test_ime_apps(self):
        apps = self.esp.ime_apps
        self.assertEqual([(a.user_id == DEV, a.app_id, a.revision) for a in apps], [
            (True, G1, 1), (True, G1, 2), (True, G3, 9),
            (True, "55555555-aaaa-4aaa-8aaa-000000000005", 1), (False, G1, 3), (False, G2, 1),
            (False, G3, 1), (False, G3, 4), (False, "66666666-aaaa-4aaa-8aaa-000000000006", 2)])
        a = apps[1]
        self.assertEqual(a.key, W32 + "\\" + DEV + "\\" + G1 + "_2")
        self.assertTrue(a.device)
        self.assertEqual((a.enforcement_key, a.enforcement_value),
                         (a.key + r"\EnforcementStateMessage", "EnforcementStateMessage"))
        self.assertEqual((a.enforcement_state, a.enforcement_state_name, a.enforcement_error),
                         (5000, "error", 2147942402))
        self.assertEqual((a.compliance_key, a.compliance_value),
                         (a.key + r"\ComplianceStateMessage", ""))
        self.assertEqual((a.applicability, a.compliance_state, a.desired_state,
                          a.install_context, a.target_type, a.compliance_error),
                         (0, 4, 2, 2, 1, -2016345060))
        self.assertEqual(apps[0].enforcement_error, -2147009281)
        self.assertIsNone(apps[2].enforcement_error)     # "ErrorCode": null
        # The malformed message: its evidence, no numbers; a model warning.
        self.assertEqual((apps[5].enforcement_value, apps[5].enforcement_state),
                         ("EnforcementStateMessage", None))
        self.assertEqual(apps[5].compliance_state, 1)
        (w,) = self.esp.warnings
        self.assertIn(G2 + r"_1\EnforcementStateMessage: malformed JSON at line 1, column 26",
                      w.message)
        self.assertEqual((apps[7].enforcement_value, apps[7].enforcement_state_name),
                         ("Json", "blocked_reboot_pending"))
        self.assertIsNone(apps[8].enforcement_key)

    def test_join_and_error_hresult(self):
        dev = self.esp.device_setup.apps
        self.assertEqual(dev[0].error_hresult, 0x80079C69)
        self.assertIs(dev[0].ime, self.esp.ime_apps[1])     # the device user's, not G1_3
        self.assertIs(dev[1].ime, self.esp.ime_apps[5])     # no device entry: the user's
        self.assertIsNone(dev[2].ime)
        self.assertIsNone(dev[1].error_hresult)
        user = self.esp.user_setups[0].apps
        self.assertEqual([a.ime.key.rsplit("\\", 2)[1:] if a.ime else None for a in user], [
            [UA, G1 + "_3"], [UA, G3 + "_4"], [DEV, "55555555-aaaa-4aaa-8aaa-000000000005_1"]])

    def test_json(self):
        d = self.esp.to_dict()
        self.assertEqual(len(d["ime_apps"]), 9)
        self.assertEqual(d["ime_apps"][1]["enforcement"]["state_name"], "error")
        failed = [i for i in d["items"] if i.get("error_hresult") is not None]
        self.assertEqual([(i["id"], i["error_hresult"]) for i in failed],
                         [("Win32App_" + G1 + "_2", 0x80079C69)])


class TestPage(unittest.TestCase):
    def test_categories(self):
        with Esp.open(data("esp-page.reg")) as esp:
            cats = esp.page_categories
            self.assertEqual([(c.name, c.phase, c.state_name, c.flat) for c in cats], [
                ("DevicePreparationCategory", "device_preparation", "succeeded", False),
                ("DeviceSetupCategory", "device_setup", "timed_out", False),
                ("AccountSetupCategory", "account_setup", "failed", True),
                ("OtherCategory", None, "reboot_required", False)])
            dev = cats[1]
            self.assertEqual((dev.key, dev.value, dev.state_raw),
                             (PROV + r"\AutopilotSettings", "DeviceSetupCategory.Status",
                              "failed"))
            self.assertEqual([(s.name, s.state_name, s.state_raw, s.status_text)
                              for s in dev.subcategories], [
                ("DeviceSetup.SecurityPoliciesSubcategory", "succeeded", "succeeded",
                 "Complete"),
                ("DeviceSetup.AppsSubcategory", "timed_out", "failed", "Error 0x800705B4"),
                ("DeviceSetup.CertificatesSubcategory", "cancelled", "cancelled", "Cancelled"),
                ("DeviceSetup.NetworkConnectionsSubcategory", "failed_from_previous",
                 "failedFromPreviousSubcategory", None)])
            self.assertEqual([(s.state, s.state_raw, s.status_text)
                              for s in cats[2].subcategories],
                             [(PageState.UNKNOWN, None, "Complete"),
                              (PageState.UNKNOWN, None, "Apps (1 of 2 installed)")])

    def test_policy_cache(self):
        with Esp.open(data("esp-page.reg")) as esp:
            a = esp.autopilot
            self.assertEqual((a.policy_cache_key, a.from_policy_cache),
                             (PROV + r"\AutopilotPolicyCache", True))
            self.assertEqual((a.profile_name, a.tenant_domain, a.oobe_config, a.hybrid_join),
                             ("From the key", "contoso.example", 1310, True))
            self.assertTrue(esp.to_dict()["autopilot"]["from_policy_cache"])


class TestOmadm(unittest.TestCase):
    def test_office_omadm_nodes(self):
        with Esp.open(data("esp-omadm.reg")) as esp:
            self.assertEqual([(o.effective, o.effective_value, o.effective_name)
                              for o in esp.office],
                             [(60, "FinalStatus", "enforcement_failed"),
                              (20, "Status", "downloading"), (None, None, None)])
            (acct,) = esp.omadm_accounts
            self.assertEqual((acct.account_id, acct.last_session_result,
                              acct.server_last_access_utc, acct.server_last_success_time,
                              acct.server_last_success_utc),
                             ("ECE9D8ED-E3BB-4436-90CD-14A1616A43DE", 0x80072F8F,
                              "2026-11-20T12:44:02Z", "20261320T000000Z", None))
            self.assertEqual(esp.odj_applied_key, PROV + r"\OMADM\SyncML\ODJApplied")
            self.assertEqual([(n.index, n.expected_value) for n in esp.policy_nodes],
                             [(1, "true"), (2, '<enabled/><data id="x" value="1"/>'),
                              (5, None), (10, "3")])
            d = esp.to_dict()["omadm"]
            self.assertEqual([n["index"] for n in d["policy_nodes"]], [1, 2, 5, 10])

    def test_absent(self):
        with Esp.open(data("esp-absent.reg")) as esp:
            self.assertEqual((esp.ime_apps, esp.office, esp.page_categories,
                              esp.omadm_accounts, esp.policy_nodes), ([], [], [], [], []))
            self.assertIsNone(esp.odj_applied_key)
            self.assertIsNone(esp.autopilot.policy_cache_key)


class TestBookkeeping(unittest.TestCase):
    def test_not_items(self):
        with Esp.open(data("esp-bookkeeping.reg")) as esp:
            self.assertEqual([(i.kind, i.id) for i in esp.items],
                             [("policy", "./Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate")])
            self.assertEqual([len(s.entries) for s in esp.snapshots], [1, 1, 1])


if __name__ == "__main__":
    unittest.main()
