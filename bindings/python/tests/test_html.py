"""Report.to_html(): the self-contained HTML report, its chart and escaping."""
import os
import re
import subprocess
import unittest

from espdiag import Esp, diagnose

from support import SAMPLE, data


class TestHtml(unittest.TestCase):
    def test_sample(self):
        page = diagnose(SAMPLE).to_html()
        self.assertTrue(page.startswith("<!DOCTYPE html>\n<html lang=\"en\">"))
        self.assertIn('data-rows="6" data-bars="8" data-markers="1"', page)
        self.assertEqual(len(re.findall(r'<article class="finding', page)), 2)
        self.assertIn('<g data-row="win32_app" data-state="failed" '
                      'data-finding="app-install-failed">', page)

    def test_same_as_the_command(self):
        espdiag = os.path.join(os.environ.get("top_builddir", ""), "examples", "espdiag")
        if not os.access(espdiag, os.X_OK):
            self.skipTest("the espdiag command is not built here")
        out = subprocess.run([espdiag, "report", SAMPLE], capture_output=True,
                             check=False).stdout.decode("utf-8")
        self.assertEqual(diagnose(SAMPLE).to_html(), out)

    def test_from_a_model_and_escaped(self):
        with Esp.open(data("html-escapes.reg")) as esp:
            page = diagnose(esp).to_html()
        # One script, the report's own filter, and no element from the names.
        self.assertEqual(page.count("<script"), 1)
        self.assertIn("</main>\n<script>(function () {\n'use strict';", page)
        self.assertNotIn("<img", page)
        self.assertIn("Win32 app &lt;script&gt;alert(1)&lt;/script&gt; (revision 1)", page)
        self.assertIn("Win32App_e\\u001b[2J\\u0007\\u202e_4", page)


if __name__ == "__main__":
    unittest.main()
