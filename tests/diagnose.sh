#!/bin/sh
# espdiag diagnose and rules end to end: exit status (0 no error finding,
# 1 an error finding, 2 usage, 3 unreadable input), the default command,
# one JSON line per file, and the shared corpus acceptance (skipped when
# ../shared/corpus is absent).
set -u
espdiag="$top_builddir/examples/espdiag"
data="$top_srcdir/tests/data"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}/esp"
. "$top_srcdir/tests/testlib.sh"
# has TEXT: $tmp/out holds TEXT.
has() { grep -qF -- "$1" "$tmp/out" && ok || bad "output lacks \"$1\""; }

expect_exit 0 "$espdiag" "$data/diag-ok.reg"
has "diag-ok.reg: completed - 0 errors, 0 warnings, 1 info"
expect_exit 0 "$espdiag" diagnose "$data/diag-ok.reg"
expect_exit 1 "$espdiag" "$data/diag-render.reg"
has "[error] app-install-failed: Win32 app aaaaaaaa-0000-4000-8000-000000000001 (version 1) failed to install"
# Not a terminal: no colour.
grep -q "$(printf '\033')" "$tmp/out" && bad "colour on a pipe" || ok
expect_exit 1 "$espdiag" diagnose "$data/diag-ok.reg" "$data/diag-render.reg"
expect_exit 3 "$espdiag" diagnose "$data/diag-render.reg" "$tmp/missing.reg"
expect_exit 2 "$espdiag" diagnose
expect_exit 2 "$espdiag" diagnose --format=xml "$data/diag-ok.reg"
expect_exit 2 "$espdiag" frobnicate
expect_exit 0 "$espdiag" --format=json "$data/diag-ok.reg" "$data/diag-skip.reg"
[ "$(wc -l < "$tmp/out")" -eq 2 ] && ok || bad "two files, $(wc -l < "$tmp/out") JSON lines"
has '"findings":[{"id":"esp-completed"'
expect_exit 0 "$espdiag" diagnose --format=json - < "$data/diag-ok.reg"
has '"path":"(standard input)"'
expect_exit 0 "$espdiag" rules
[ "$(wc -l < "$tmp/out")" -eq 19 ] && ok || bad "rules lists $(wc -l < "$tmp/out") rules"
has "timeout-too-short              warning"
expect_exit 0 "$espdiag" rules --format=json
has '{"id":"input-damaged","severity":"warning","summary":'
expect_exit 2 "$espdiag" rules "$data/diag-ok.reg"

py=$(command -v python3 || true)
if [ -d "$corpus" ]; then
	expect_exit 1 "$espdiag" "$corpus/device-app-failed.reg"
	has "Device setup: failed"
	has "Win32 app 257994ad-acdd-471a-abbe-8e6b7f7713d1 (version 1) failed to install"
	has 'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking\Device\Setup\Apps\Tracking\Sidecar\Win32App_257994ad-acdd-471a-abbe-8e6b7f7713d1_1'
	has "What to do:"
	expect_exit 0 "$espdiag" "$corpus/success.reg"
	for f in "$corpus"/*.reg "$corpus"/*.hive; do
		"$espdiag" diagnose --format=json "$f" > "$tmp/json" 2> /dev/null
		[ "$(wc -l < "$tmp/json")" -eq 1 ] && ok || bad "$f: not one JSON line"
		if [ -n "$py" ]; then
			"$py" -m json.tool "$tmp/json" > /dev/null 2>&1 && ok || bad "$f: invalid JSON"
		fi
	done
else
	echo "SKIP: corpus checks ($corpus absent)"
fi

finish diagnose
