"""The IME logs' apps, attempts and the device's clock through the binding
(espdiag.logs), from the folder bundle tests/data/apps: apps-dump.reg and
AppWorkload.log (local time UTC+2)."""
import unittest

from espdiag import Bundle
from espdiag.esp import Esp
from espdiag.logs import HAS_LOGS, LogRef

from support import data

SEVEN_ZIP = "7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91"
VPN = "2b8c4d6e-0f1a-4b2c-8d3e-4f5a6b7c8d9e"
RETRY = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"
AGENT = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70"


@unittest.skipUnless(HAS_LOGS, "the loaded libespdiag has no IME log apps")
class LogsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.bundle = Bundle.open(data("apps"))
        self.esp = self.bundle.esp()

    def tearDown(self) -> None:
        self.esp.close()
        self.bundle.close()

    def test_catalogue(self) -> None:
        self.assertEqual([(a.id, a.name) for a in self.esp.log_apps],
                         [(VPN, "Contoso VPN"), (SEVEN_ZIP, "7-Zip"), (RETRY, "Retry Tool"),
                          (AGENT, "Fabrikam Agent")])
        self.assertEqual(self.esp.app_name("{" + SEVEN_ZIP.upper() + "}"), "7-Zip")
        self.assertIsNone(self.esp.app_name("00000000-0000-0000-0000-000000000000"))

    def test_names_where_apps_appear(self) -> None:
        item = {i.id: i for i in self.esp.items}
        self.assertEqual(item["Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1"].name, "7-Zip")
        apps = {a.app_guid.lower(): a for a in self.esp.device_setup.apps if a.app_guid}
        self.assertEqual(apps[SEVEN_ZIP].name, "7-Zip")
        self.assertEqual(apps[VPN].name, "Contoso VPN")

    def test_attempts(self) -> None:
        z = self.esp.log_app(SEVEN_ZIP)
        self.assertEqual((z.version, z.intent, z.install_context), (1, 3, 2))
        (a,) = z.attempts
        self.assertEqual((a.number, a.outcome, a.exit_code, a.hresult, a.exit_code_class,
                          a.enforcement_state, a.install_duration_ms, a.download_bytes),
                         (1, "failed", 1603, 0x80070643, "Failed", "Error", 30500, 1572864))
        self.assertEqual(a.exit_code_line,
                         LogRef("AppWorkload.log", 10, "2024-05-01 10:07:11.000",
                                "2024-05-01T08:07:11.0000000Z", "[Win32App] lpExitCode 1603"))
        self.assertEqual([t.outcome for t in self.esp.log_app(RETRY).attempts],
                         ["failed", "succeeded"])
        self.assertEqual(self.esp.log_app(VPN).attempts[0].outcome, "not_detected")
        agent = self.esp.log_app(AGENT).attempts[0]
        self.assertEqual((agent.outcome, agent.exit_code, agent.exit_code_unmapped),
                         ("failed", 3221225794, True))

    def test_clock(self) -> None:
        c = self.esp.clock
        self.assertTrue(c.known)
        self.assertEqual((c.utc_offset_minutes, c.pairs, c.evidence.line), (120, 2, 12))
        self.assertTrue(c.how.startswith("UTC+02:00: AppWorkload.log line 12 "), c.how)

    def test_without_bundle(self) -> None:
        with Esp.open(data("apps/apps-dump.reg")) as esp:
            self.assertEqual(esp.log_apps, [])
            self.assertFalse(esp.clock.known)


if __name__ == "__main__":
    unittest.main()
