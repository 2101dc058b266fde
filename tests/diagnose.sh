#!/bin/sh
# espdiag diagnose and rules end to end: exit status (0 no error finding,
# 1 an error finding, 2 usage, 3 unreadable input, 4 damaged input), the
# default command, one JSON line per file, escapes in the text, and the
# shared corpus acceptance (skipped when ../shared/corpus is absent).
set -u
espdiag="$top_builddir/examples/espdiag"
data="$top_srcdir/tests/data"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}/esp"
. "$top_srcdir/tests/testlib.sh"
# has TEXT: $tmp/out holds TEXT.
has() { grep -qF -- "$1" "$tmp/out" && ok || bad "output lacks \"$1\""; }
# printable: $tmp/out holds only printable ASCII and newlines.
printable() {
	n=$(LC_ALL=C tr -d '\n\040-\176' < "$tmp/out" | wc -c)
	[ "$n" -eq 0 ] && ok || bad "$1: $n raw bytes outside printable ASCII"
}

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
# Damaged input: the diagnosis is incomplete (4), unless an error stands (1);
# an unreadable input still wins (3).
expect_exit 4 "$espdiag" "$data/diag-damaged.reg"
has "diag-damaged.reg: unknown (incomplete: the input is damaged) - 0 errors, 1 warning, 0 infos"
has "were withheld: esp-completed."
expect_exit 4 "$espdiag" --format=json "$data/diag-damaged.reg"
has '"summary":{"outcome":"unknown","errors":0,"warnings":1,"infos":0,"incomplete":true}'
expect_exit 4 "$espdiag" "$data/diag-ok.reg" "$data/diag-damaged.reg"
expect_exit 1 "$espdiag" "$data/diag-damaged.reg" "$data/diag-render.reg"
expect_exit 1 "$espdiag" "$data/diag-render.reg" "$data/diag-damaged.reg"
expect_exit 3 "$espdiag" "$data/diag-damaged.reg" "$tmp/missing.reg"
{ cat "$data/diag-app-failed.reg"; printf '\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n"bad"=dword:xyz\n'; } > "$tmp/failed-damaged.reg"
expect_exit 1 "$espdiag" "$tmp/failed-damaged.reg"
has "failed-damaged.reg: failed (incomplete: the input is damaged) - 1 error, 1 warning, 0 infos"

# The bundled sample cut in half: damaged, nothing concluded from what the
# cut took away; the failed app read from the first half stands (1).
sample="$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg"
head -c $(($(wc -c < "$sample") / 2)) "$sample" > "$tmp/half.reg"
expect_exit 1 "$espdiag" --format=json "$tmp/half.reg"
has '"outcome":"failed","errors":1,"warnings":1,"infos":0,"incomplete":true}'
has '"id":"app-install-failed"'
for id in no-esp-data os-too-old-for-win32-tracking tracking-policies-missing \
	app-install-incomplete account-setup-not-started cert-profile-pending \
	network-profile-pending modern-app-pending esp-completed; do
	grep -qF "\"id\":\"$id\"" "$tmp/out" && bad "half sample: $id fired" || ok
done
has 'were withheld: app-install-incomplete.'
# Cut before the failed app's key: nothing stands, the diagnosis is incomplete (4).
head -c 3000 "$sample" > "$tmp/head.reg"
expect_exit 4 "$espdiag" "$tmp/head.reg"
has "head.reg: unknown (incomplete: the input is damaged)"

# A failed app's ErrorHresult and the IME's ErrorCode (the installer's exit
# code): both named, with their meaning, in the text and the JSON.
expect_exit 1 "$espdiag" "$data/diag-app-exit-code.reg"
has "Its ErrorHresult is 0x80070643 (-2147023293), ERROR_INSTALL_FAILURE: Fatal error during installation (MSI 1603): read the installer's own log. The IME's EnforcementStateMessage ErrorCode is 1603, the installer's exit code behind it."
expect_exit 1 "$espdiag" --format=json "$data/diag-app-exit-code.reg"
has '"error_code":"0x80070643","subject":{"kind":"win32_app","id":"aaaaaaaa-0000-4000-8000-000000000001","name":null,"context":"device","sid":null},"error":{"hresult":"0x80070643","decimal":-2147023293,"exit_code":1603,"symbol":"ERROR_INSTALL_FAILURE","meaning":"Fatal error during installation (MSI 1603): read the installer'"'"'s own log.","community_only":false}}'

# Control characters from the input reach no terminal raw.
expect_exit 1 "$espdiag" "$data/diag-escapes.reg"
has '[error] app-install-failed: Win32 app e\u001b[2J\u0007 (version 1) failed to install'
has 'Sidecar\Win32App_e\u001b[2J\u0007_1'
printable "diagnose text"
expect_exit 1 "$espdiag" --format=json "$data/diag-escapes.reg"
printable "diagnose json"

expect_exit 0 "$espdiag" rules
[ "$(wc -l < "$tmp/out")" -eq 31 ] && ok || bad "rules lists $(wc -l < "$tmp/out") rules"
has "office-install-failed          error    OfficeCSP reports the Microsoft 365 Apps install failed (download or enforcement)"
has "esp-phase-failed               error    the ESP page's own status says a phase or subcategory failed, was cancelled or timed out"
printable "rules"
has "timeout-too-short              warning"
expect_exit 0 "$espdiag" rules --format=json
has '{"id":"input-damaged","severity":"warning","summary":'
expect_exit 2 "$espdiag" rules "$data/diag-ok.reg"

# Autopilot device preparation (v2): the scenario on the first line, the
# failed workload named with its error code, no ESP (v1) rule, and the
# workloads in the timeline.
expect_exit 1 "$espdiag" "$data/v2-workload-failed.reg"
has "v2-workload-failed.reg: failed - 2 errors, 0 warnings, 0 infos - scenario autopilot_v2"
has '[error] apv2-workload-failed: Device preparation: "7-Zip" failed'
has "Its ErrorCode is 1603, an exit code: 0x80070643 (ERROR_INSTALL_FAILURE"
has "Device preparation page (v2): exited on failure"
for id in no-esp-data esp-completed app-install-incomplete account-setup-not-started; do
	grep -qF "$id" "$tmp/out" && bad "v2: $id fired" || ok
done
expect_exit 1 "$espdiag" --format=json "$data/v2-workload-failed.reg"
has '"scenario":{"name":"autopilot_v2","evidence":[{"key":'
expect_exit 0 "$espdiag" "$data/diag-ok.reg"
has "diag-ok.reg: completed - 0 errors, 0 warnings, 1 info - scenario autopilot_v1"
expect_exit 0 "$espdiag" timeline "$data/v2-workload-failed.reg"
has "2024-06-20T10:05:00.5000000Z device_preparation device ProvisioningProgress workload failed(4) c0ffee00-0000-4000-8000-000000000002"

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
