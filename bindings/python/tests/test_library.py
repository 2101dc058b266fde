"""Loading the library: version check, status codes and strings."""
import os
import unittest

import espdiag
from espdiag import EspdiagError, Status, _lib


class TestLibrary(unittest.TestCase):
    def test_version(self):
        v = espdiag.library_version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        self.assertEqual(int(v.split(".")[0]), espdiag.ABI_MAJOR)
        major, minor, patch = (int(x) for x in v.split("."))
        self.assertEqual(_lib.lib.espdiag_version_number(), (major << 16) | (minor << 8) | patch)
        # the package and the library it ships with are one release
        self.assertEqual(espdiag.__version__, v)

    def test_loaded_from_env(self):
        path = os.environ.get("ESPDIAG_LIBRARY")
        if not path:
            self.skipTest("ESPDIAG_LIBRARY not set")
        self.assertEqual(_lib.lib._name, path)
        self.assertEqual(_lib._candidates(), [path])

    def test_strerror(self):
        self.assertEqual(_lib.strerror(Status.OK), "success")
        self.assertNotEqual(_lib.strerror(Status.EIO), _lib.strerror(Status.EFORMAT))
        self.assertEqual(_lib.strerror(-12345), "unknown status")

    def test_error(self):
        e = EspdiagError(-4, "x.reg: not a registry file")
        self.assertEqual(e.status, Status.EFORMAT)
        self.assertEqual(e.message, "x.reg: not a registry file")
        self.assertEqual(e.status_name, "ESPDIAG_EFORMAT")
        self.assertEqual(str(e), "x.reg: not a registry file (ESPDIAG_EFORMAT)")
        self.assertEqual(EspdiagError(-99, "m").status, -99)
        with self.assertRaises(EspdiagError) as cm:
            _lib.check(-1)
        self.assertEqual(cm.exception.status, Status.EINVAL)
        self.assertEqual(_lib.check(1), Status.NOTFOUND)

    def test_every_name_is_exported(self):
        for name in espdiag.__all__:
            self.assertTrue(hasattr(espdiag, name), name)


if __name__ == "__main__":
    unittest.main()
