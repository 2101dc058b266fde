"""How the package loads (issue 18): `import espdiag` imports no submodule
and no library; the library comes from $ESPDIAG_LIBRARY, else from the
libdir `make install` records in _config.py, without ctypes.util (whose
find_library runs ldconfig), which is asked only when all else fails.

Each case runs a fresh interpreter on a copy of the package laid out as
`make install` lays it out, with the library of this build tree (the
directory of $ESPDIAG_LIBRARY, which tests/python.sh sets)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "espdiag")

# Prints what the interpreter imported, as JSON.
PROBE = """
import json, sys
import espdiag
before = sorted(m for m in sys.modules if m.startswith("espdiag.") or m == "ctypes.util")
out = {"before": before}
if "load" in sys.argv:
    out["version"] = espdiag.library_version()
    out["name"] = espdiag._lib.lib._name
    out["esp"] = "espdiag.esp" in sys.modules
    espdiag.Esp
    out["after"] = sorted(m for m in sys.modules
                          if m.startswith("espdiag.") or m == "ctypes.util")
print(json.dumps(out))
"""


class TestLoading(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        lib = os.environ.get("ESPDIAG_LIBRARY")
        if not lib or not os.path.isfile(lib):
            raise unittest.SkipTest("ESPDIAG_LIBRARY does not name the build's library")
        cls.libdir = os.path.dirname(os.path.abspath(lib))
        cls.tmp = tempfile.mkdtemp()
        shutil.copytree(PACKAGE, os.path.join(cls.tmp, "espdiag"),
                        ignore=shutil.ignore_patterns("__pycache__", "_config.py"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def config(self, libdir):
        path = os.path.join(self.tmp, "espdiag", "_config.py")
        if libdir is None:
            if os.path.exists(path):
                os.remove(path)
            return
        with open(path, "w") as f:
            f.write(f"LIBDIR = {libdir!r}\n")

    def probe(self, *args, library=None):
        env = {k: v for k, v in os.environ.items()
               if k not in ("ESPDIAG_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
        env["PYTHONPATH"] = self.tmp
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if library:
            env["ESPDIAG_LIBRARY"] = library
        r = subprocess.run([sys.executable, "-c", PROBE, *args], env=env,
                           capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr

    def test_import_loads_nothing(self):
        self.config(self.libdir)
        code, out, err = self.probe()
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), {"before": []})

    def test_installed_libdir_without_find_library(self):
        self.config(self.libdir)
        code, out, err = self.probe("load")
        self.assertEqual(code, 0, err)
        got = json.loads(out)
        self.assertEqual(got["name"], os.path.join(self.libdir, "libespdiag.so.0"))
        self.assertRegex(got["version"], r"^\d+\.\d+\.\d+$")
        # the library only: the model's module is imported when first used
        self.assertFalse(got["esp"])
        self.assertNotIn("ctypes.util", got["after"])
        self.assertIn("espdiag.esp", got["after"])

    def test_environment_wins(self):
        self.config("/nonexistent")
        lib = os.path.join(self.libdir, "libespdiag.so.0")
        code, out, err = self.probe("load", library=lib)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["name"], lib)

    def test_nothing_found_names_every_place_tried(self):
        self.config("/nonexistent")
        code, out, err = self.probe("load")
        self.assertNotEqual(code, 0)
        self.assertIn("ImportError: cannot load libespdiag (set ESPDIAG_LIBRARY to its path): "
                      "/nonexistent/libespdiag.so.0: ", err)
        self.assertIn("; libespdiag.so.0: ", err)

    def test_names_resolve_once(self):
        import espdiag
        self.assertIs(espdiag.Registry, espdiag.registry.Registry)
        self.assertIn("Registry", vars(espdiag))
        self.assertIn("Esp", dir(espdiag))
        with self.assertRaises(AttributeError):
            espdiag.NoSuchName


if __name__ == "__main__":
    unittest.main()
