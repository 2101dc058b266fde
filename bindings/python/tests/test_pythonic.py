"""The binding as a Python library (issue 16): Key as a mapping of values,
backend failures raised, one handle shared by threads, reprs."""
import threading
import time
import unittest

from espdiag import EspdiagError, Registry, Status, TableBackend
from espdiag.backend import TableBackend as _TB

from support import ESP_KEY, SAMPLE
from test_registry import TYPES_REG

NAMES = ["", "Multi", "Q", "E", "B", "BE", "Odd", "D", "ShortD"]


class TestKeyMapping(unittest.TestCase):
    def setUp(self):
        self.reg = Registry.open(TYPES_REG, name="types.reg")
        self.addCleanup(self.reg.close)
        self.key = self.reg.key(r"HKCU\Software\Test")

    def test_values_only(self):
        k = self.key
        self.assertEqual(list(k), NAMES)
        self.assertEqual(len(k), 9)
        self.assertEqual(list(k.keys()), NAMES)
        self.assertEqual(k["D"], 42)
        self.assertEqual(k["d"], 42)          # names are case-insensitive
        self.assertIn("shortd", k)
        self.assertNotIn("Sub", k)            # a subkey is not a value
        self.assertNotIn(3, k)
        with self.assertRaises(KeyError):
            k["Sub"]
        self.assertEqual(dict(k.items()), k.as_dict())
        self.assertEqual(list(k.values())[7], 42)
        self.assertEqual(k.get("Nope", "x"), "x")
        self.assertEqual([s.path for s in k.subkeys()], [r"HKEY_CURRENT_USER\Software\Test\Sub"])
        self.assertEqual(k.subkey("sub").name, "Sub")
        self.assertEqual(k.subkey_count(), 1)

    def test_a_key_without_values_is_still_true(self):
        sub = self.key.subkey("Sub")
        self.assertEqual((len(sub), list(sub)), (0, []))
        self.assertTrue(sub)

    def test_value_objects_keep_types(self):
        self.assertEqual([v.name for v in self.key.value_objects()], NAMES)
        self.assertEqual(self.key.value_objects()[7].type_name, "REG_DWORD")


class _Failing(_TB):
    """Fails to list the values or subkeys of the keys called "Broken"."""

    @_TB._guard
    def _value_count(self, _self, key, out):
        if self._keys[key].name.value == b"Broken":
            raise RuntimeError("backend down")
        out[0] = len(self._keys[key].values)
        return Status.OK

    @_TB._guard
    def _subkey_count(self, _self, key, out):
        if self._keys[key].name.value == b"Broken":
            raise RuntimeError("backend down")
        out[0] = len(self._keys[key].children)
        return Status.OK


class TestBackendFailure(unittest.TestCase):
    def test_failed_listing_raises_not_empty(self):
        with Registry() as reg:
            reg.mount(_Failing({"Broken": {"x": 1}, "Fine": {"y": 2}}), r"HKLM\X")
            broken = reg.key(r"HKLM\X\Broken")
            for read in (len, list, lambda k: k.subkeys(), lambda k: k.subkey_count(),
                         lambda k: k.as_dict(), lambda k: k.value_objects()):
                with self.assertRaises(EspdiagError) as cm:
                    read(broken)
                self.assertEqual(cm.exception.status, Status.EBACKEND)
            fine = reg.key(r"HKLM\X\Fine")
            self.assertEqual(dict(fine), {"y": 2})


class _Probe(_TB):
    """Records how many threads are inside the backend at once."""

    def __init__(self, table):
        super().__init__(table)
        self.inside = 0
        self.most = 0
        self.guard = threading.Lock()

    @_TB._guard
    def _value_count(self, _self, key, out):
        with self.guard:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.002)  # lets another thread in, were there no lock
        with self.guard:
            self.inside -= 1
        out[0] = len(self._keys[key].values)
        return Status.OK


class TestThreads(unittest.TestCase):
    def run_threads(self, work):
        errors = []

        def run(i):
            try:
                work(i)
            except BaseException as exc:  # reported below
                errors.append(exc)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_calls_on_one_handle_are_serialised(self):
        probe = _Probe({f"K{i}": {"n": i} for i in range(48)})
        with Registry() as reg:
            reg.mount(probe, r"HKLM\X")
            results = {}

            def work(t):
                order = list(range(48))[t::8] + list(range(48))
                results[t] = [reg.key(rf"HKLM\X\K{i}")["n"] for i in order]
            self.run_threads(work)
            self.assertEqual(probe.most, 1)
            for t in range(8):
                self.assertEqual(results[t], list(range(48))[t::8] + list(range(48)))

    def test_eight_threads_over_one_registry(self):
        with Registry.open(SAMPLE) as reg:
            track = ESP_KEY + r"\Device\Setup\Apps\Tracking\Sidecar"
            want = {name: reg.key(track).subkey(name).as_dict()
                    for name in reg.key(track).subkey_names()}
            fs = r"HKLM\SOFTWARE\Microsoft\Enrollments\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}\FirstSync"
            want_fs = reg.key(fs).as_dict()
            got = {}

            def work(t):
                mine = []
                for _ in range(30):
                    k = reg.key(track)
                    mine.append(({s.name: dict(s) for s in k.subkeys()}, dict(reg.key(fs))))
                got[t] = mine
            self.run_threads(work)
            self.assertEqual(sorted(got), list(range(8)))
            for t in range(8):
                self.assertEqual(len(got[t]), 30)
                for apps, first_sync in got[t]:
                    self.assertEqual(apps, want)
                    self.assertEqual(first_sync, want_fs)


class TestRepr(unittest.TestCase):
    def test_handles(self):
        reg = Registry.open(SAMPLE)
        self.assertEqual(repr(reg), f"<espdiag.Registry 1 source: {SAMPLE!r}>")
        k = reg.key(r"HKLM\SOFTWARE")
        self.assertEqual(repr(k), r"<espdiag.Key 'HKEY_LOCAL_MACHINE\\SOFTWARE'>")
        reg.close()
        self.assertEqual(repr(reg), "<espdiag.Registry (closed)>")
        self.assertEqual(repr(k), "<espdiag.Key (closed)>")
        self.assertEqual(repr(Registry()), "<espdiag.Registry no sources>")
        self.assertTrue(repr(TableBackend({})).startswith("<espdiag.TableBackend 1 key"))


if __name__ == "__main__":
    unittest.main()
