#!/bin/sh
# make install puts the Python binding where the target interpreter (the
# PYTHON configure chose) imports it: installed into a staging DESTDIR,
# the package imports from there with that interpreter, records the
# libdir, ships py.typed and diagnoses. The directory is the one the
# interpreter reads for the prefix (scripts/python-dir.py), checked with the
# interpreter itself, and with Debian's /usr/bin/python3 when there is one
# (dist-packages, not site-packages).
# Skips (77) without Python.
set -u
py=${target_python:-}
if [ -z "$py" ] || [ "$py" = ":" ] || ! command -v "$py" > /dev/null 2>&1; then
	echo "SKIP: no Python configured"; exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
stage=$(mktemp -d) || exit 99
trap 'rm -rf "$stage"' EXIT INT TERM

# Only the binding's install targets: the rest of make install is not
# this test's business (and needs nothing rebuilt).
make -s -C "$top_builddir" install-espdiagpyPYTHON install-nodist_espdiagpyPYTHON \
	install-dist_espdiagpyDATA DESTDIR="$stage" > "$stage.log" 2>&1 ||
	{ cat "$stage.log"; rm -f "$stage.log"; fail "make install DESTDIR=$stage"; }
rm -f "$stage.log"
pkg="$stage$target_pythondir/espdiag"
for f in __init__.py __main__.py _lib.py _util.py _config.py registry.py esp.py diagnose.py \
	bundle.py backend.py errors.py py.typed; do
	[ -f "$pkg/$f" ] || fail "$pkg/$f not installed"
done
grep -qx "LIBDIR = '$target_libdir'  # written by make install" "$pkg/_config.py" ||
	fail "_config.py does not record $target_libdir: $(cat "$pkg/_config.py")"

# Imported from the staging tree by the target interpreter (the library
# of the build tree: the staged package would look in $target_libdir).
sample="$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg"
lib="$top_builddir/lib/.libs/libespdiag.so.0"
out=$(. "$top_srcdir/tests/asan-preload.sh" && espdiag_preload_asan "$lib" &&
	cd "$stage" && PYTHONPATH="$stage$target_pythondir" ESPDIAG_LIBRARY="$lib" "$py" -c '
import sys, espdiag, espdiag._config
assert espdiag.__file__.startswith(sys.argv[1]), espdiag.__file__
print(espdiag._config.LIBDIR, espdiag.diagnose(sys.argv[2]).outcome)
' "$stage$target_pythondir/espdiag/" "$sample") || fail "import from $stage$target_pythondir"
[ "$out" = "$target_libdir failed" ] || fail "got: $out"

# The directory rule, asked of the interpreter that will import: for its
# own prefix the directory must be on its sys.path.
own=$("$py" -c 'import sys; print(sys.prefix)')
res=$("$py" "$top_srcdir/scripts/python-dir.py" "$own" | sed -n 2p)
[ "$res" = yes ] || fail "$py does not import from $("$py" "$top_srcdir/scripts/python-dir.py" "$own" | sed -n 1p)"
# What configure chose is what the rule says for the configured prefix.
want=$("$py" "$top_srcdir/scripts/python-dir.py" "$target_prefix" | sed -n 1p)
[ "$want" = "$(eval "PYTHON_PREFIX='$target_prefix'; echo \"$target_pythondir\"")" ] ||
	[ "$want" = "$target_pythondir" ] || fail "pythondir $target_pythondir, expected $want"

# Debian's interpreter: /usr/local and /usr map to its dist-packages.
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sysconfig, sys
sys.exit("deb_system" not in sysconfig.get_scheme_names())' 2>/dev/null; then
	ver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	for p in /usr/local /usr; do
		got=$(/usr/bin/python3 "$top_srcdir/scripts/python-dir.py" "$p" | tr '\n' ' ')
		case $p in
		/usr/local) exp="/usr/local/lib/python$ver/dist-packages yes " ;;
		*) exp="/usr/lib/python3/dist-packages yes " ;;
		esac
		[ "$got" = "$exp" ] || fail "Debian python3, prefix $p: got '$got', expected '$exp'"
	done
else
	echo "note: no Debian /usr/bin/python3: its dist-packages rule not checked"
fi
echo "PASS: the binding installs into $target_pythondir and imports from there"
