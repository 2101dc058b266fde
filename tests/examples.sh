#!/bin/sh
# The embedding examples end to end: failed_apps and custom_backend on the
# bundled sample, diagnose_folder.py on the shared corpus (skipped when the
# corpus or Python is absent).
set -u
sample="$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}/esp"
. "$top_srcdir/tests/testlib.sh"

expect_output 1 "device_setup device Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3 error(4)" \
	"$top_builddir/examples/failed_apps" "$sample"
expect_output 3 "" "$top_builddir/examples/failed_apps" "$tmp/missing.reg"
expect_output 0 "app-install-failed Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3
table: app-install-failed" "$top_builddir/examples/custom_backend"
expect_output 0 "app-install-failed Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3
table: app-install-failed app-install-incomplete
file:  app-install-failed app-install-incomplete
same diagnosis" "$top_builddir/examples/custom_backend" "$sample"
expect_output 3 "" "$top_builddir/examples/custom_backend" "$tmp/missing.reg"

if [ -d "$corpus" ]; then
	for f in device-app-failed.reg device-app-failed.SOFTWARE.hive; do
		expect_output 1 "device_setup device Win32App_257994ad-acdd-471a-abbe-8e6b7f7713d1_1 error(4)" \
			"$top_builddir/examples/failed_apps" "$corpus/$f"
	done
	expect_output 0 "" "$top_builddir/examples/failed_apps" "$corpus/success.reg"
	# A table filled from each corpus file gives the file's own diagnosis.
	for f in "$corpus"/*.reg "$corpus"/*.hive; do
		"$top_builddir/examples/custom_backend" "$f" > "$tmp/out" 2>&1 &&
			grep -qx "same diagnosis" "$tmp/out" && ok || bad "custom_backend $f: $(cat "$tmp/out")"
	done
	expect_output 0 "app-install-failed Win32App_257994ad-acdd-471a-abbe-8e6b7f7713d1_1
table: app-install-failed
file:  app-install-failed
same diagnosis" "$top_builddir/examples/custom_backend" "$corpus/device-app-failed.reg"
	py=${PYTHON:-python3}
	if command -v "$py" > /dev/null 2>&1; then
		(
			ESPDIAG_LIBRARY="${ESPDIAG_LIBRARY:-$top_builddir/lib/.libs/libespdiag.so.0}"
			export ESPDIAG_LIBRARY
			. "$top_srcdir/tests/asan-preload.sh"
			espdiag_preload_asan "$ESPDIAG_LIBRARY"
			PYTHONPATH="$top_srcdir/bindings/python" PYTHONDONTWRITEBYTECODE=1 \
				"$py" "$top_srcdir/examples/diagnose_folder.py" "$corpus" "$tmp/crlf.csv" > /dev/null 2>&1
		)
		[ $? -eq 1 ] && ok || bad "diagnose_folder.py exit status"
		tr -d '\r' < "$tmp/crlf.csv" > "$tmp/out.csv"   # CSV rows end in CRLF (RFC 4180)
		grep -qx 'device-app-failed.reg,failed,1,app-install-failed' "$tmp/out.csv" && ok ||
			bad "diagnose_folder.py row: $(cat "$tmp/out.csv")"
		grep -qx 'device-app-failed.SOFTWARE.hive,failed,1,app-install-failed' "$tmp/out.csv" && ok ||
			bad "diagnose_folder.py hive row"
		grep -qx 'success.reg,completed,0,' "$tmp/out.csv" && ok || bad "diagnose_folder.py success row"
		[ "$(head -n 1 "$tmp/out.csv")" = "file,outcome,errors,failing_rules" ] && ok ||
			bad "diagnose_folder.py header"
	else
		echo "SKIP: no python3 for diagnose_folder.py"
	fi
else
	echo "SKIP: corpus checks ($corpus absent)"
fi
finish examples
