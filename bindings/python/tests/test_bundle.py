"""The bundle through the binding: members, the registry view, errors.
The collections are made by tests/bundle_fixtures.py (skipped without gcab)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import espdiag
from espdiag import Bundle, EspdiagError, MemberKind, Status

from support import DATA, SRCDIR

MDM = "(77) FoldersFiles temp_MDMDiagnostics_mdmlogs-2024_05_01_12_00_00_cab/mdmlogs.cab"


class BundleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        if shutil.which("gcab") is None:
            raise unittest.SkipTest("gcab is not installed")
        cls.tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, os.path.join(SRCDIR, "tests", "bundle_fixtures.py"),
                        "all", DATA, cls.tmp], check=True)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fx(self, name: str) -> str:
        return os.path.join(self.tmp, name)

    def test_intune_zip(self) -> None:
        with Bundle.open(self.fx("intune.zip")) as b:
            self.assertEqual(b.format, "zip")
            self.assertEqual(repr(b), "<espdiag.Bundle zip of 13 members, 3 registry>")
            self.assertEqual(b.registry_count, 3)
            members = b.members
            self.assertEqual(len(members), 13)
            self.assertEqual([m.kind.label for m in members if m.read].count("registry"), 3)
            ztd = [m for m in members if m.kind == MemberKind.ZTD_JSON][0]
            self.assertEqual(ztd.name, MDM + "/AutopilotDDSZTDFile.json")
            self.assertEqual(ztd.summary, "Autopilot profile Kiosk of tenant fabrikam.example")
            other = members[2]
            self.assertEqual((other.kind, other.size, other.read, other.reason),
                             (MemberKind.OTHER, 26, False, "no reader wants it"))
            reg = b.registry
            self.assertEqual(reg.key(r"HKLM\SOFTWARE\Microsoft\IntuneManagementExtension\Win32Apps")
                             .value("Origin").data, "ime export")
            self.assertEqual(b.warnings, [])
            # The view diagnoses as a registry does.
            with espdiag.Esp.load(reg) as esp:
                self.assertEqual([e.key for e in esp.enrollments],
                                 ["HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\"
                                  "{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}"])

    def test_bytes_and_options(self) -> None:
        with open(self.fx("deep.zip"), "rb") as f:
            data = f.read()
        with Bundle.open(data, name="deep.zip", max_nesting=1) as b:
            self.assertEqual([(m.name, m.read) for m in b.members],
                             [("middle.cab", True), ("middle.cab/inner.cab", False)])
            self.assertEqual(b.members[1].reason, "not opened: nested deeper than 1 archives")
            self.assertEqual(b.registry_count, 0)

    def test_errors(self) -> None:
        with self.assertRaises(FileNotFoundError) as cm:
            Bundle.open(self.fx("missing.zip"))
        self.assertEqual((cm.exception.status, cm.exception.filename),
                         (Status.EIO, self.fx("missing.zip")))
        with self.assertRaises(EspdiagError) as cm:
            Bundle.open(self.fx("intune.zip"), max_members=2)
        self.assertEqual(cm.exception.status, Status.ELIMIT)
        self.assertIn("more than the limit of 2 members", cm.exception.message)
        b = Bundle.open(self.fx("single/notes.txt"))
        b.close()
        self.assertEqual(repr(b), "<espdiag.Bundle (closed)>")
        b.close()
        with self.assertRaises(ValueError):
            b.members


if __name__ == "__main__":
    unittest.main()
