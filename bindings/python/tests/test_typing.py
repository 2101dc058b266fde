"""PEP 561: the package ships py.typed and annotates everything it exports
(each public function and method, every parameter and the return), and the
annotations resolve; mypy --strict passes when mypy is installed."""
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import typing
import unittest

import espdiag

MODULES = ["espdiag", "espdiag.__main__", "espdiag._lib", "espdiag._util", "espdiag.backend",
           "espdiag.bundle", "espdiag.diagnose", "espdiag.errors", "espdiag.esp",
           "espdiag.registry"]
PACKAGE = os.path.dirname(os.path.abspath(espdiag.__file__))
NAMES = {n: getattr(espdiag, n) for n in espdiag.__all__}


def public_functions():
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if getattr(obj, "__module__", None) != name or attr.startswith("_") and \
                    name != "espdiag.__main__":
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj) and not issubclass(obj, typing.cast(type, ctypes_base())):
                for mname, m in vars(obj).items():
                    if mname.startswith("_") and mname not in (
                            "__init__", "__getitem__", "__contains__", "__iter__", "__len__",
                            "__enter__", "__exit__", "__repr__", "__new__", "__eq__"):
                        continue
                    if isinstance(m, (classmethod, staticmethod)):
                        m = m.__func__
                    elif isinstance(m, property):
                        m = m.fget
                    if inspect.isfunction(m) and written_here(m):
                        yield f"{name}.{attr}.{mname}", m


def written_here(fn):
    """Not generated (a dataclass's __eq__, an Enum's __new__)."""
    return os.path.abspath(fn.__code__.co_filename).startswith(PACKAGE + os.sep)


def ctypes_base():
    import ctypes
    return ctypes.Structure  # layouts of C structs: no methods of their own


class TestTyping(unittest.TestCase):
    def test_py_typed_ships(self):
        self.assertTrue(os.path.isfile(os.path.join(PACKAGE, "py.typed")))

    def test_every_public_function_is_annotated(self):
        missing = []
        seen = 0
        for qual, fn in public_functions():
            seen += 1
            sig = inspect.signature(fn)
            for i, p in enumerate(sig.parameters.values()):
                if i == 0 and p.name in ("self", "cls", "mcs"):
                    continue
                if p.annotation is inspect.Parameter.empty:
                    missing.append(f"{qual}({p.name})")
            if sig.return_annotation is inspect.Signature.empty:
                missing.append(f"{qual} -> ?")
            try:  # names imported only for type checkers resolve in the package
                typing.get_type_hints(fn, {**NAMES, **fn.__globals__})
            except Exception as exc:  # an annotation that does not resolve
                missing.append(f"{qual}: {exc}")
        self.assertGreater(seen, 100)
        self.assertEqual(missing, [])

    def test_mypy_strict(self):
        mypy = shutil.which("mypy")
        if mypy is None:
            try:
                import mypy as _  # noqa: F401
                mypy_cmd = [sys.executable, "-m", "mypy"]
            except ImportError:
                self.skipTest("mypy is not installed")
        else:
            mypy_cmd = [mypy]
        p = subprocess.run(mypy_cmd + ["--strict", "--no-incremental", "--cache-dir",
                                       os.devnull, "-p", "espdiag"],
                           cwd=os.path.dirname(PACKAGE), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
