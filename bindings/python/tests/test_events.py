"""A bundle's event logs and Autopilot files through the binding
(espdiag.events): a folder with a registry dump, an event log written by
the build's tests/gen_evtx (those checks are skipped without it), a ZTD
file with the not-registered error, a device hash and the metadata."""
import os
import shutil
import subprocess
import tempfile
import unittest

import espdiag
from espdiag import Bundle, Event, Ztd

DM = "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider"
DUMP = ("Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\"
        "{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}\\FirstSync]\r\n"
        "\"SkipUserStatusPage\"=dword:ffffffff\r\n")


class EventsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.write("MdmDiagReport_RegistryDump.reg", DUMP)
        self.write("AutopilotDDSZTDFile.json",
                   '{"ErrorCode":807,"ErrorReason":"ZtdDeviceIsNotRegistered"}')
        self.write("DeviceHash_PC1.csv", "Device Serial Number,Windows Product ID,"
                   "Hardware Hash\r\n5CG1234XYZ,,T0FBQQ==\r\n")
        self.write("MdmDiagLogMetadata.json",
                   '{"CollectionTime":"2024-05-01T12:00:00Z","Areas":"Autopilot;TPM"}')
        gen = os.path.join(os.environ.get("top_builddir", ""), "tests", "gen_evtx")
        self.has_events = os.access(gen, os.X_OK)
        if self.has_events:
            subprocess.run([gen, os.path.join(self.tmp, "dm.evtx"),
                            f"{DM}/Admin|{DM}|76|2|2024-05-01T12:01:00|0x8018002b",
                            f"{DM}/Admin|{DM}|72|4|2024-05-01T12:00:00|Name=x"], check=True)

    def write(self, name: str, text: str) -> None:
        with open(os.path.join(self.tmp, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)

    def test_model_of_the_bundle(self) -> None:
        with Bundle.open(self.tmp) as b:
            esp = espdiag.load_bundle(b)
        with esp:
            self.assertEqual(esp.ztd, Ztd("AutopilotDDSZTDFile.json", 807,
                                          "ZtdDeviceIsNotRegistered", None, None, None, None,
                                          None, None, None, None))
            self.assertFalse(esp.ztd.registered)
            self.assertEqual([(h.serial, h.hash_present, h.hash_length)
                              for h in esp.device_hashes], [("5CG1234XYZ", True, 8)])
            self.assertEqual((esp.collection.member, esp.collection.collected,
                              esp.collection.areas),
                             ("MdmDiagLogMetadata.json", "2024-05-01T12:00:00Z", "Autopilot;TPM"))
            ids = [f.id for f in espdiag.diagnose(esp).findings]
            self.assertIn("autopilot-not-registered", ids)
            if self.has_events:
                self.assertIn("enrollment-failed", ids)
            if not self.has_events:
                return
            self.assertEqual([e.event_id for e in esp.events], [72, 76])
            e = esp.events[1]
            self.assertIsInstance(e, Event)
            self.assertEqual((e.member, e.channel, e.level_name, e.time_utc, e.record_id),
                             ("dm.evtx", DM + "/Admin", "error",
                              "2024-05-01T12:01:00.0000000Z", 1))
            self.assertEqual(e.time.isoformat(), "2024-05-01T12:01:00+00:00")
            self.assertEqual(e.data, (("", "0x8018002b"),))
            self.assertEqual(esp.events[0].get("Name"), "x")
            self.assertIsNone(esp.events[0].get("Other"))

    def test_registry_model_has_none(self) -> None:
        with espdiag.Esp.open(os.path.join(self.tmp, "MdmDiagReport_RegistryDump.reg")) as esp:
            self.assertEqual(esp.events, [])
            self.assertIsNone(esp.ztd)
            self.assertEqual(esp.device_hashes, [])
            self.assertIsNone(esp.collection)


if __name__ == "__main__":
    unittest.main()
