"""A backend served from Python data (espdiag.backend): typed values, the
view's lookups through it, and the same diagnosis as the sample's file."""
import unittest

from espdiag import EspdiagError, Registry, RegType, Status, TableBackend, diagnose
from espdiag.backend import encode

from support import FAILED_APP, SAMPLE

TRACK = r"Windows\Autopilot\EnrollmentStatusTracking\Device"
# The ESP keys of the bundled sample, as a table (as examples/custom_backend.c).
SAMPLE_TABLE = {
    r"Enrollments\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}": {"ProviderID": "MS DM Server"},
    r"Enrollments\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}\FirstSync": {
        "SkipDeviceStatusPage": 0, "SkipUserStatusPage": 0, "BlockInStatusPage": 6,
        "SyncFailureTimeout": 60},
    TRACK + r"\DevicePreparation\PolicyProviders\Sidecar": {"InstallationState": 3, "Timeout": 15},
    TRACK + r"\Setup": {"HasProvisioningCompleted": 0},
    TRACK + r"\Setup\Apps": {"Locked": 1},
    TRACK + r"\Setup\Apps\PolicyProviders\Sidecar": {"TrackingPoliciesCreated": 1},
    TRACK + r"\Setup\Apps\Tracking\Sidecar\Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1": {"InstallationState": 3},
    TRACK + r"\Setup\Apps\Tracking\Sidecar" + "\\" + FAILED_APP: {"InstallationState": 4},
    TRACK + r"\Setup\Apps\Tracking\Sidecar\Win32App_c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5_2": {"InstallationState": 1},
}


class TestEncode(unittest.TestCase):
    def test_types(self):
        self.assertEqual(encode(1), (RegType.DWORD, b"\x01\x00\x00\x00"))
        self.assertEqual(encode(1 << 32), (RegType.QWORD, b"\x00\x00\x00\x00\x01\x00\x00\x00"))
        self.assertEqual(encode("ab"), (RegType.SZ, b"a\x00b\x00\x00\x00"))
        self.assertEqual(encode(["a", "b"]), (RegType.MULTI_SZ, "a\0b\0\0".encode("utf-16-le")))
        self.assertEqual(encode(b"\x01"), (RegType.BINARY, b"\x01"))
        self.assertEqual(encode((0x99, b"zz")), (0x99, b"zz"))
        with self.assertRaises(TypeError):
            encode(1.5)


class TestTable(unittest.TestCase):
    def test_values_read_back(self):
        table = {"Test": {"": "default", "m": ["a", "b"], "q": 1 << 40, "b": b"\x01",
                          "raw": (0x99, b"zz"), "d": 7},
                 r"Test\Sub\Deeper": {}}
        with Registry() as reg:
            reg.mount_table(table, r"HKCU\Software")
            k = reg.key(r"hkcu\SOFTWARE\test")
            self.assertEqual(k.as_dict(), {"": "default", "m": ["a", "b"], "q": 1 << 40,
                                           "b": b"\x01", "raw": b"zz", "d": 7})
            self.assertEqual(k.value("RAW").type, 0x99)
            self.assertEqual(reg.key(r"HKCU\Software\Test\Sub\Deeper").path,
                             r"HKEY_CURRENT_USER\Software\Test\Sub\Deeper")
            self.assertEqual(reg.sources[0].format, "python")
            self.assertEqual(reg.sources[0].prefix, r"HKEY_CURRENT_USER\Software")
            self.assertIsNone(k.last_write)

    def test_view_frees_the_backend(self):
        backend = TableBackend({"A": {"x": 1}})
        reg = Registry()
        reg.mount(backend, r"HKLM\X")
        self.assertFalse(backend.freed)
        reg.close()
        self.assertTrue(backend.freed)

    def test_missing_callback(self):
        from espdiag.backend import _ROOT
        backend = TableBackend({"A": {}})
        backend.ops.root = _ROOT()  # NULL: a required callback
        with Registry() as reg:
            with self.assertRaises(EspdiagError) as cm:
                reg.mount(backend, r"HKLM\X")
            self.assertEqual(cm.exception.status, Status.EINVAL)
            self.assertEqual(reg.sources, [])
        self.assertFalse(backend.freed)  # on error it stays ours

    def test_same_diagnosis_as_the_file(self):
        with Registry() as reg:
            reg.mount_table(SAMPLE_TABLE, r"HKLM\SOFTWARE\Microsoft")
            mine = diagnose(reg)
        theirs = diagnose(SAMPLE)
        self.assertEqual(mine.rule_ids, theirs.rule_ids)
        self.assertEqual(mine.outcome, "failed")
        # The key that shows it is the same (the file adds timeline evidence).
        self.assertEqual(mine.by_id("app-install-failed")[0].evidence[0],
                         theirs.by_id("app-install-failed")[0].evidence[0])


if __name__ == "__main__":
    unittest.main()
