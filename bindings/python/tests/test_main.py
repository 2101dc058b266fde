"""python3 -m espdiag: the command's diagnose, timeline and rules."""
import contextlib
import io
import os
import re
import subprocess
import sys
import unittest

import espdiag
from espdiag.__main__ import main

from support import SAMPLE, data

BUILDDIR = os.environ.get("top_builddir")
COMMAND = os.path.join(BUILDDIR, "examples", "espdiag") if BUILDDIR else None
MISSING = os.path.join(os.path.dirname(SAMPLE), "no-such-file.reg")


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def py(*args):
    """main() in this process (a process per run would cost seconds)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as exc:  # argparse: --version, usage errors
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def same(out):
    return re.sub(r'"generated_at":"[^"]*"', '"generated_at":""', out)


class TestMain(unittest.TestCase):
    def test_python_m_espdiag(self):
        rc, out, err = run([sys.executable, "-m", "espdiag", SAMPLE])
        self.assertEqual((rc, err), (1, ""))
        self.assertTrue(out.startswith(f"{SAMPLE}: failed - 1 error"))

    def test_exit_statuses_and_output(self):
        rc, out, err = py("diagnose", SAMPLE)
        self.assertEqual((rc, err), (1, ""))
        self.assertTrue(out.startswith(f"{SAMPLE}: failed - 1 error, 1 warning, 0 infos - "
                                       "scenario autopilot_v1\n"))
        self.assertEqual(py(data("diag-ok.reg"))[0], 0)       # the command may be left out
        rc, out, err = py("diagnose", MISSING, SAMPLE)
        self.assertEqual(rc, 3)
        self.assertEqual(err, f"espdiag: {MISSING}: No such file or directory\n")
        self.assertEqual(py("diagnose", "--skip-rule=no-such-rule", SAMPLE)[0], 2)
        self.assertEqual(py("diagnose", "--format=yaml", SAMPLE)[0], 2)
        self.assertEqual(py("frobnicate")[0], 3)  # a FILE that does not exist, as the command
        self.assertEqual(py()[0], 2)
        rc, out, _ = py("rules", "--format=json")
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith('{"schema":"espdiag-rules/1","rules":[{"id":"no-esp-data",'))
        rc, out, _ = py("timeline", SAMPLE)
        self.assertEqual(rc, 0)
        self.assertIn("2026-11-24T09:58:07.2500000Z device_setup device Sidecar win32_app "
                      "error(4) Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3\n", out)
        rc, out, _ = py("--version")
        self.assertEqual((rc, out), (0, f"espdiag {espdiag.__version__}\n"))

    def test_as_the_command_prints_it(self):
        if not COMMAND or not os.access(COMMAND, os.X_OK):
            self.skipTest("the espdiag command is not built here")
        for args in (["diagnose", SAMPLE, data("diag-ok.reg")],
                     ["diagnose", "--app-minutes=30", "--skip-rule=app-install-incomplete",
                      SAMPLE],
                     ["diagnose", "--skip-rule=no-such-rule", SAMPLE],
                     ["diagnose", MISSING, SAMPLE],
                     ["diagnose", "--format=html", SAMPLE],
                     ["timeline", SAMPLE, data("esp-users.reg")],
                     ["timeline", "--format=json", MISSING, SAMPLE],
                     ["rules"], ["rules", "--format=json"]):
            with self.subTest(args=args):
                c = run([COMMAND, *args])
                p = py(*args)
                self.assertEqual((p[0], same(p[1]), p[2]), (c[0], same(c[1]), c[2]))


if __name__ == "__main__":
    unittest.main()
