"""Where `make install` puts a pure-Python package so that the interpreter
running this script imports it, for an installation prefix.

    python3 scripts/python-dir.py PREFIX

prints two lines: the directory, and "yes" or "no" (whether the
interpreter's sys.path holds it as it runs now). Used by configure
(pythondir) and by tests/python_install.sh.

Debian's interpreter (it has the "deb_system" install scheme) imports
packages installed under /usr/local from /usr/local/lib/python3.X/
dist-packages and the distribution's own from /usr/lib/python3/dist-packages;
it never reads .../site-packages under /usr/local, which is where automake's
default puts them. Any other interpreter says where through sysconfig's
"purelib" for that prefix (site-packages).
"""
import os
import sys
import sysconfig


def python_dir(prefix: str) -> str:
    prefix = os.path.normpath(prefix)
    if "deb_system" in sysconfig.get_scheme_names():
        if prefix == "/usr":
            return "/usr/lib/python3/dist-packages"
        return "%s/lib/python%d.%d/dist-packages" % (prefix, *sys.version_info[:2])
    base = {"base": prefix, "platbase": prefix, "installed_base": prefix,
            "installed_platbase": prefix}
    return sysconfig.get_path("purelib", "posix_prefix", vars=base)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python-dir.py PREFIX")
    where = python_dir(sys.argv[1])
    print(where)
    print("yes" if where in sys.path else "no")
