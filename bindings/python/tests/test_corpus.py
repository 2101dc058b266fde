"""The shared ESP corpus: expected.json's findings, hive and .reg alike.
Skips when ../shared/corpus is absent."""
import json
import os
import unittest

from espdiag import Esp, diagnose

from support import need_corpus

FAILED = "Win32App_257994ad-acdd-471a-abbe-8e6b7f7713d1_1"


class TestCorpus(unittest.TestCase):
    def setUp(self):
        self.dir = need_corpus(self)

    def test_expected_findings(self):
        with open(os.path.join(self.dir, "expected.json"), encoding="utf-8") as fh:
            expected = json.load(fh)
        self.assertGreaterEqual(len(expected), 4)
        for name, want in sorted(expected.items()):
            with self.subTest(file=name):
                ids = set(diagnose(os.path.join(self.dir, name)).rule_ids)
                for rule in want["must"]:
                    self.assertIn(rule, ids)
                for rule in want["must_not"]:
                    self.assertNotIn(rule, ids)

    def test_device_app_failed(self):
        with Esp.open(os.path.join(self.dir, "device-app-failed.reg")) as esp:
            self.assertEqual([(a.id, a.state, a.sid) for a in esp.failed_apps],
                             [(FAILED, 4, None)])
        r = diagnose(os.path.join(self.dir, "device-app-failed.reg"))
        self.assertEqual(r.outcome, "failed")
        (f,) = r.by_id("app-install-failed")
        self.assertEqual(f.phase, "device_setup")
        self.assertIn(FAILED, f.detail)

    def test_hive_and_reg_agree(self):
        for stem in ("device-app-failed", "success"):
            with self.subTest(stem=stem):
                hive = os.path.join(self.dir, stem + ".SOFTWARE.hive")
                reg = os.path.join(self.dir, stem + ".reg")
                a = diagnose(hive, prefix=r"HKLM\SOFTWARE")
                b = diagnose(reg)
                self.assertEqual(a.rule_ids, b.rule_ids)
                self.assertEqual(a.outcome, b.outcome)
                with Esp.open(hive) as x, Esp.open(reg) as y:
                    self.assertEqual(x.items, y.items)
                    self.assertEqual(x.phases, y.phases)

    def test_success(self):
        r = diagnose(os.path.join(self.dir, "success.reg"))
        self.assertEqual((r.outcome, r.errors), ("completed", 0))
        self.assertIn("esp-completed", r.rule_ids)


if __name__ == "__main__":
    unittest.main()
