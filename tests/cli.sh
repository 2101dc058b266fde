#!/bin/sh
# The espdiag command end to end: round trips, query output, exit codes.
# Corpus checks run when ../shared/corpus exists and are skipped otherwise.
set -u
espdiag="$top_builddir/examples/espdiag"
sample="$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}"
. "$top_srcdir/tests/testlib.sh"
# roundtrip FILE: dump, dump the dump from stdin, compare bytes.
roundtrip() {
	"$espdiag" dump "$1" > "$tmp/a" 2> /dev/null &&
	"$espdiag" dump - < "$tmp/a" > "$tmp/b" 2> /dev/null &&
	cmp -s "$tmp/a" "$tmp/b" && ok || bad "dump round trip of $1"
}

expect_exit 0 "$espdiag" --version
[ "$(cat "$tmp/out")" = "espdiag $(sed -n 's/^AC_INIT(\[libespdiag\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")" ] && ok || bad "--version prints $(cat "$tmp/out")"
expect_exit 0 "$espdiag" --help
expect_exit 2 "$espdiag"
expect_exit 2 "$espdiag" frobnicate "$sample"
expect_exit 2 "$espdiag" dump
expect_exit 2 "$espdiag" dump --encoding=latin1 "$sample"
expect_exit 3 "$espdiag" dump "$tmp/does-not-exist.reg"
printf '\000\001\002\003\377\376\375' > "$tmp/binary"
head -c 4096 /dev/urandom | tr -d '\377' >> "$tmp/binary"
expect_exit 3 "$espdiag" dump "$tmp/binary"
grep -q "not a registry file" "$tmp/err" && ok || bad "binary file message: $(cat "$tmp/err")"

roundtrip "$sample"
# UTF-16LE output reads back to the same export.
"$espdiag" dump --encoding=utf-16le "$sample" > "$tmp/u16" && "$espdiag" dump "$tmp/u16" > "$tmp/u8" &&
	"$espdiag" dump "$sample" | cmp -s - "$tmp/u8" && ok || bad "utf-16le dump reads back"
[ "$(head -c 2 "$tmp/u16" | od -An -tx1 | tr -d ' ')" = "fffe" ] && ok || bad "utf-16le dump has a BOM"

key='HKLM\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking\Device\Setup\Apps\PolicyProviders\Sidecar'
expect_exit 0 "$espdiag" query "$sample" "$key" TrackingPoliciesCreated
printf 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking\\Device\\Setup\\Apps\\PolicyProviders\\Sidecar\n    TrackingPoliciesCreated    REG_DWORD    0x1 (1)\n' > "$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok || bad "query output: $(cat "$tmp/out")"
expect_exit 1 "$espdiag" query "$sample" "$key" NoSuchValue
expect_exit 1 "$espdiag" query "$sample" 'HKLM\SOFTWARE\NoSuchKey'
expect_exit 0 "$espdiag" query "$sample" 'HKLM\SOFTWARE\Microsoft\Enrollments\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}\FirstSync' CustomErrorText
grep -qF '    CustomErrorText    REG_SZ    Setup stopped. Call the "Service Desk" (ext. 4400) or read \\intranet\it\autopilot.txt' "$tmp/out" && ok || bad "raw REG_SZ: $(cat "$tmp/out")"
expect_exit 0 "$espdiag" dump --key 'hklm\software\microsoft\enrollments' "$sample"
[ "$(grep -c '^\[' "$tmp/out")" -eq 3 ] && ok || bad "dump --key writes the subtree only"

# timeline: one line per state change, in time order.
expect_exit 0 "$espdiag" timeline "$sample"
cat > "$tmp/want" <<'TL'
2026-11-24T09:12:03.1234567Z device_setup device ExpectedMSIAppPackages msi_app processed(1) {4E9A1C2B-7D3F-4B8E-9C1A-2F3E4D5C6B7A}
2026-11-24T09:12:03.1234567Z device_setup device ExpectedPolicies policy processed(1) ./Vendor/MSFT/DMClient/Provider/MS DM Server/EntDMID
2026-11-24T09:12:03.1234567Z device_setup device Sidecar win32_app not_installed(1) Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1
2026-11-24T09:12:03.1234567Z device_setup device Sidecar win32_app not_installed(1) Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3
2026-11-24T09:12:03.1234567Z device_setup device Sidecar win32_app not_installed(1) Win32App_c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5_2
2026-11-24T09:19:41.5000000Z device_setup device Sidecar win32_app completed(3) Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1
2026-11-24T09:19:41.5000000Z device_setup device Sidecar win32_app in_progress(2) Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3
2026-11-24T09:58:07.2500000Z device_setup device Sidecar win32_app error(4) Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3
TL
cmp -s "$tmp/out" "$tmp/want" && ok || bad "timeline text: $(cat "$tmp/out")"
expect_exit 0 "$espdiag" timeline --format=json "$sample"
[ "$(wc -l < "$tmp/out")" -eq 8 ] && ok || bad "timeline json lines"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/out" && ok || bad "timeline json is not JSON"

# Control characters from the input are escaped in the timeline and query text.
printable() {
	n=$(LC_ALL=C tr -d '\n\040-\176' < "$tmp/out" | wc -c)
	[ "$n" -eq 0 ] && ok || bad "$1: $n raw bytes outside printable ASCII"
}
escapes="$top_srcdir/tests/data/diag-escapes.reg"
expect_exit 0 "$espdiag" timeline "$escapes"
printf '%s\n' '2026-11-20T12:00:00.0000000Z device_setup device Sidecar win32_app error(4) Win32App_t\u001b]0;pwned\u0007\u007f\u009b\u202e_1' > "$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok || bad "timeline escapes: $(cat -A "$tmp/out")"
expect_exit 0 "$espdiag" query "$escapes" 'HKLM\SOFTWARE\Contoso'
printf '%s\n' 'HKEY_LOCAL_MACHINE\SOFTWARE\Contoso' '    Bell\u0007    REG_SZ    \u001b[31m\u000d\u007f\u009b\u202e' > "$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok || bad "query escapes: $(cat -A "$tmp/out")"
expect_exit 0 "$espdiag" query "$escapes" 'HKLM\SOFTWARE\Contoso' "$(printf 'Bell\007')"
printable "query VALUE"
expect_exit 1 "$espdiag" query "$escapes" 'HKLM\SOFTWARE\Contoso' NoSuchValue
n=$(LC_ALL=C tr -d '\n\040-\176' < "$tmp/err" | wc -c)
[ "$n" -eq 0 ] && ok || bad "query error message has raw bytes"

# A diagnostics cab: the dump inside is read and named in the report.
if command -v gcab > /dev/null 2>&1; then
	mkdir "$tmp/cab" && cp "$sample" "$tmp/cab/MDMDiagReport_RegistryDump.reg"
	(cd "$tmp/cab" && gcab -c -z ../diag.cab MDMDiagReport_RegistryDump.reg)
	expect_exit 1 "$espdiag" diagnose --format=json "$tmp/diag.cab"
	grep -q '"member":"MDMDiagReport_RegistryDump.reg","members":\[\]' "$tmp/out" && ok ||
		bad "input.member of a cab: $(head -c 400 "$tmp/out")"
	"$espdiag" dump "$tmp/diag.cab" > "$tmp/cabdump" && "$espdiag" dump "$sample" | cmp -s - "$tmp/cabdump" &&
		ok || bad "a cab dumps like its .reg"
else
	echo "note: no gcab; the cab check is skipped"
fi

if [ -d "$corpus/esp" ]; then
	for f in "$corpus"/esp/*.reg; do
		roundtrip "$f"
		# CustomErrorText reads back as written between its outer quotes.
		line=$(iconv -f UTF-16LE -t UTF-8 "$f" | tr -d '\r' | grep '"CustomErrorText"=')
		want=${line#*\"CustomErrorText\"=\"}
		want=${want%\"}
		case "$(iconv -f UTF-16LE -t UTF-8 "$f" | head -c 40)" in
		*"Windows Registry Editor"*)
			want=$(printf '%s' "$want" | sed 's/\\\\/\x01/g; s/\\"/"/g; s/\x01/\\/g') ;;
		esac
		enroll=$("$espdiag" query "$f" 'HKLM\SOFTWARE\Microsoft\Enrollments' | grep '^HKEY.*}$' | head -n 1)
		"$espdiag" query "$f" "$enroll\\FirstSync" CustomErrorText > "$tmp/q"
		got=$(sed -n 's/^    CustomErrorText    REG_SZ    //p' "$tmp/q")
		[ "$got" = "$want" ] && ok || bad "CustomErrorText in $f: got [$got] want [$want]"
	done
	expect_exit 0 "$espdiag" query "$corpus/esp/device-app-failed.reg" \
		'HKLM\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking\Device\Setup\Apps\PolicyProviders\Sidecar' TrackingPoliciesCreated
	grep -q '^    TrackingPoliciesCreated    REG_DWORD    0x1 (1)$' "$tmp/out" && ok || bad "corpus query: $(cat "$tmp/out")"
else
	echo "note: $corpus is absent; corpus CLI checks are skipped"
fi

finish cli
