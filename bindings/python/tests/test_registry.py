"""Registry view: sources, paths, typed values, warnings, errors, lifetimes."""
import gc
import os
import tempfile
import threading
import unittest
from datetime import datetime, timedelta, timezone

import espdiag
from espdiag import EspdiagError, RegType, Registry, Status, TableBackend

from support import ESP_KEY, SAMPLE, data, need_corpus

# A regedit 5 file with one value of each type the binding converts, a line
# Windows drops (a warning) and a subkey.
TYPES_REG = (
    'Windows Registry Editor Version 5.00\r\n\r\n'
    '[HKEY_CURRENT_USER\\Software\\Test]\r\n'
    '@="default"\r\n'
    '"Multi"=hex(7):61,00,62,00,00,00,63,00,00,00,00,00\r\n'
    '"Q"=hex(b):01,00,00,00,02,00,00,00\r\n'
    '"E"=hex(2):25,00,41,00,25,00,00,00\r\n'
    '"B"=hex:de,ad\r\n'
    '"BE"=hex(5):00,00,01,02\r\n'
    '"Odd"=hex(1234):01\r\n'
    '"D"=dword:0000002a\r\n'
    '"ShortD"=hex(4):01,02\r\n'
    '"bad line\r\n\r\n'
    '[HKEY_CURRENT_USER\\Software\\Test\\Sub]\r\n').encode("ascii")


class TestSample(unittest.TestCase):
    def setUp(self):
        self.reg = Registry.open(SAMPLE)
        self.addCleanup(self.reg.close)

    def test_source(self):
        self.assertEqual(self.reg.sources, [espdiag.Source(0, SAMPLE, "", "reg", "utf-16le", "dump")])
        self.assertEqual(self.reg.warnings, [])

    def test_paths_are_case_insensitive_with_aliases(self):
        k = self.reg.key(r"hklm\software\MICROSOFT\windows\autopilot\enrollmentstatustracking\Device\Setup")
        self.assertEqual(k.path, ESP_KEY + r"\Device\Setup")
        self.assertEqual(k.name, "Setup")
        self.assertEqual(k.parent.name, "Device")
        self.assertIn(r"HKLM\SOFTWARE\Microsoft\Enrollments", self.reg)
        self.assertNotIn(r"HKLM\SOFTWARE\NoSuchKey", self.reg)
        with self.assertRaises(KeyError):
            self.reg.key(r"HKLM\SOFTWARE\NoSuchKey")
        self.assertIsNone(self.reg.get(r"HKLM\SOFTWARE\NoSuchKey"))

    def test_subkeys_in_source_order(self):
        k = self.reg.key(ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar")
        self.assertEqual(k.subkey_names(), [
            "Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1",
            "Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3",
            "Win32App_c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5_2"])
        self.assertEqual(k.subkey_count(), 3)
        self.assertEqual(len(k.subkeys()), 3)
        self.assertEqual(len(k), 0)  # a Key's len is its values: Sidecar has none
        app = k.subkey("win32app_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3")
        self.assertEqual(app.as_dict(), {"InstallationState": 4, "RebootRequired": 1})
        self.assertEqual(app["installationstate"], 4)
        self.assertIsNone(app.last_write)  # a .reg export has no times

    def test_typed_values_of_the_dump(self):
        fs = self.reg.key(r"HKLM\SOFTWARE\Microsoft\Enrollments\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}\FirstSync")
        self.assertEqual(fs["SyncFailureTimeout"], 60)
        self.assertEqual(fs["ApplicationsDuration"], 0xA8C)
        # The dump's raw REG_SZ: quotes and backslashes unescaped.
        self.assertEqual(fs["CustomErrorText"],
                         'Setup stopped. Call the "Service Desk" (ext. 4400) or read '
                         '\\\\intranet\\it\\autopilot.txt')
        ts = fs.value("Timestamp")
        self.assertEqual(ts.type, RegType.BINARY)
        self.assertEqual(ts.type_name, "REG_BINARY")
        self.assertEqual(ts.data, bytes.fromhex("005c8e3a125edb01"))
        self.assertEqual([v.name for v in fs.value_objects()][:3],
                         ["SkipDeviceStatusPage", "SkipUserStatusPage", "BlockInStatusPage"])
        self.assertEqual(fs.get("Missing", "x"), "x")

    def test_export_reads_back(self):
        out = self.reg.export()
        self.assertTrue(out.startswith(b"Windows Registry Editor Version 5.00\r\n"))
        with Registry.open(out) as again:
            self.assertEqual(again.export(), out)
        u16 = self.reg.export(utf16=True)
        self.assertEqual(u16[:2], b"\xff\xfe")


class TestTypes(unittest.TestCase):
    def setUp(self):
        self.reg = Registry.open(TYPES_REG, name="types.reg")
        self.addCleanup(self.reg.close)
        self.key = self.reg.key(r"HKCU\Software\Test")

    def test_python_types(self):
        self.assertEqual(self.key.as_dict(), {
            "": "default", "Multi": ["ab", "c"], "Q": 0x200000001, "E": "%A%",
            "B": b"\xde\xad", "BE": 0x102, "Odd": b"\x01", "D": 42, "ShortD": b"\x01\x02"})

    def test_raw_bytes_and_types(self):
        d = self.key.value(None)
        self.assertEqual(d.name, "")
        self.assertEqual(d.type, RegType.SZ)
        self.assertEqual(d.raw, "default\0".encode("utf-16-le"))
        odd = self.key.value("odd")
        self.assertEqual(odd.type, 0x1234)
        self.assertIsNone(odd.type_name)
        self.assertEqual(espdiag.reg_type_name(11), "REG_QWORD")

    def test_warning_and_source(self):
        self.assertEqual(self.reg.warnings, [espdiag.InputWarning(
            13, 10, 324, "missing closing quote; line ignored", 0)])
        self.assertEqual(self.reg.sources[0].path, "types.reg")
        self.assertEqual(self.reg.sources[0].dialect, "regedit5")
        self.assertEqual(self.reg.sources[0].encoding, "utf-8")

    def test_root_and_subkeys(self):
        self.assertEqual(self.reg.root.name, "")
        self.assertIsNone(self.reg.root.parent)
        self.assertEqual(self.reg.root.subkey_names(), ["HKEY_CURRENT_USER"])
        self.assertEqual([k.path for k in self.key.subkeys()], [r"HKEY_CURRENT_USER\Software\Test\Sub"])

    def test_bytes_outlive_the_callers_copy(self):
        buf = bytearray(TYPES_REG)
        reg = Registry.open(buf)
        del buf
        gc.collect()
        self.assertEqual(reg.key(r"HKCU\Software\Test")["D"], 42)
        reg.close()

    def test_prefix(self):
        with Registry.open(TYPES_REG, r"HKLM\Mounted") as reg:
            self.assertEqual(reg.sources[0].prefix, r"HKEY_LOCAL_MACHINE\Mounted")


class TestErrors(unittest.TestCase):
    def test_not_a_registry_file(self):
        with self.assertRaises(EspdiagError) as cm:
            Registry.open(b"\x00\x01\x02garbage" * 10)
        self.assertEqual(cm.exception.status, Status.EFORMAT)
        self.assertIn("not a registry file", cm.exception.message)
        self.assertIn("ESPDIAG_EFORMAT", str(cm.exception))

    def test_missing_file(self):
        path = os.path.join(os.path.dirname(SAMPLE), "does-not-exist.reg")
        with self.assertRaises(FileNotFoundError) as cm:
            Registry.open(path)
        self.assertIsInstance(cm.exception, OSError)
        self.assertNotIsInstance(cm.exception, EspdiagError)
        self.assertEqual((cm.exception.errno, cm.exception.filename), (2, path))
        self.assertEqual(cm.exception.status, Status.EIO)
        self.assertEqual(cm.exception.strerror, "No such file or directory")
        self.assertEqual(str(cm.exception), f"[Errno 2] No such file or directory: {path!r}")

    def test_other_io_errors_are_oserror(self):
        path = os.path.join(SAMPLE, "inside-a-file.reg")
        with self.assertRaises(NotADirectoryError) as cm:
            Registry.open(path)
        self.assertEqual((cm.exception.strerror, cm.exception.filename),
                         ("Not a directory", path))
        with Registry() as reg:
            with self.assertRaises(FileNotFoundError) as cm2:
                reg.add_file(os.fsencode(os.path.dirname(SAMPLE)) + b"/nope.reg")
            self.assertEqual(cm2.exception.filename, os.path.dirname(SAMPLE) + "/nope.reg")

    def test_bad_input_is_espdiag_error_not_oserror(self):
        with tempfile.NamedTemporaryFile(suffix=".reg") as f:
            f.write(b"\x00\x01\x02garbage" * 10)
            f.flush()
            with self.assertRaises(EspdiagError) as cm:
                Registry.open(f.name)
        self.assertNotIsInstance(cm.exception, OSError)
        self.assertEqual(cm.exception.status, Status.EFORMAT)

    def test_closed_view(self):
        with Registry.open(SAMPLE) as reg:
            key = reg.key(r"HKLM\SOFTWARE\Microsoft")
        self.assertTrue(reg.closed)
        with self.assertRaises(ValueError):
            key.name
        with self.assertRaises(ValueError):
            reg.key("HKLM")
        reg.close()  # idempotent

    def test_failed_add_leaves_the_view(self):
        with Registry() as reg:
            reg.add_file(data("esp-absent.reg"))
            with self.assertRaises(EspdiagError):
                reg.add_bytes(b"\x00\x01\x02garbage" * 10)
            self.assertEqual(len(reg.sources), 1)
            self.assertEqual(reg.key(r"HKLM\SOFTWARE\Contoso\Tool")["Version"], "1.0")


class TestHive(unittest.TestCase):
    def test_hive_mounts_at_software(self):
        corpus = need_corpus(self)
        with Registry.open(os.path.join(corpus, "device-app-failed.SOFTWARE.hive"),
                           r"HKLM\SOFTWARE") as reg:
            src = reg.sources[0]
            self.assertEqual((src.format, src.prefix), ("hive", r"HKEY_LOCAL_MACHINE\SOFTWARE"))
            k = reg.key(ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar")
            self.assertEqual(k.subkey_count(), 5)
            app = k.subkey("Win32App_257994ad-acdd-471a-abbe-8e6b7f7713d1_1")
            self.assertEqual(app["InstallationState"], 4)
            ft = k.last_write_filetime
            self.assertIsInstance(ft, int)
            when = k.last_write
            self.assertEqual(when.tzinfo, timezone.utc)
            # FILETIME counts 100 ns from 1601-01-01 UTC.
            self.assertEqual(when, datetime(1601, 1, 1, tzinfo=timezone.utc)
                             + timedelta(microseconds=ft // 10))


if __name__ == "__main__":
    unittest.main()
