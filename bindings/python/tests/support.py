"""Shared paths for the binding's tests: the project's fixtures, the bundled
sample and the shared corpus (tests that need it skip when it is absent)."""
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(SRCDIR, "tests", "data")
SAMPLE = os.path.join(SRCDIR, "examples", "data", "MDMDiagReport_RegistryDump.reg")
CORPUS = os.environ.get("SHARED_CORPUS_DIR") or os.path.join(SRCDIR, "..", "shared", "corpus")
ESP_CORPUS = os.path.join(CORPUS, "esp")

ESP_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking"
FAILED_APP = "Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3"


def data(name: str) -> str:
    return os.path.join(DATA, name)


def need_corpus(test: unittest.TestCase) -> str:
    if not os.path.isdir(ESP_CORPUS):
        test.skipTest(f"shared corpus absent ({ESP_CORPUS})")
    return ESP_CORPUS
