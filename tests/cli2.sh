#!/bin/sh
# The espdiag command as a user meets it (issue 16): its options, usage
# errors for what a command does not take, --mount per FILE, failures that
# say why, grouped warnings and findings, wrapping on a terminal.
# ESPDIAG names another binary to run these checks against (to show that
# they fail on an older command).
set -u
espdiag="${ESPDIAG:-$top_builddir/examples/espdiag}"
data="$top_srcdir/tests/data"
sample="$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}"
. "$top_srcdir/tests/testlib.sh"
# has TEXT [FILE]: FILE (default $tmp/out) holds the fixed string TEXT.
has() { grep -qF -- "$1" "${2:-$tmp/out}" && ok || bad "no \"$1\" in: $(head -c 600 "${2:-$tmp/out}")"; }
hasnt() { grep -qF -- "$1" "${2:-$tmp/out}" && bad "\"$1\" in: $(head -c 600 "${2:-$tmp/out}")" || ok; }
# ids FILE: the finding ids of each JSON line, one line per input.
ids() { python3 -c 'import json,sys
for l in open(sys.argv[1]): d=json.loads(l); print(" ".join(f["id"] for f in d.get("findings", [])))' "$1"; }

# -h, -V and the long forms.
expect_exit 0 "$espdiag" -h
has "usage: espdiag diagnose"
has "--skip-rule=ID"
expect_exit 0 "$espdiag" -V
grep -q '^espdiag [0-9]' "$tmp/out" && ok || bad "-V prints $(cat "$tmp/out")"

# --color: always colours, never and auto (not a terminal) do not.
esc=$(printf '\033')
expect_exit 1 "$espdiag" --color=always "$sample"
has "$esc["
expect_exit 1 "$espdiag" --color=never "$sample"
hasnt "$esc"
expect_exit 1 "$espdiag" --color=auto "$sample"
hasnt "$esc"
expect_exit 2 "$espdiag" --color=sometimes "$sample"
has "sometimes" "$tmp/err"

# -q leaves the reader's warnings out; errors still go to stderr.
expect_exit 4 "$espdiag" "$data/diag-damaged.reg"
has "warning: bad dword" "$tmp/err"
expect_exit 4 "$espdiag" -q "$data/diag-damaged.reg"
[ ! -s "$tmp/err" ] && ok || bad "-q printed: $(cat "$tmp/err")"
expect_exit 3 "$espdiag" --quiet "$tmp/nonexistent.reg"
has "nonexistent.reg: No such file" "$tmp/err"

# --min-severity: findings below it are not shown, the summary says so.
expect_exit 1 "$espdiag" --min-severity=error "$sample"
has "failed - 1 error, 1 warning, 0 infos (1 below error not shown)"
has "[error] app-install-failed"
hasnt "app-install-incomplete"
expect_exit 2 "$espdiag" --min-severity=fatal "$sample"
expect_exit 2 "$espdiag" --min-severity=error --format=json "$sample"

# --skip-rule (repeatable, checked against the catalogue) and --app-minutes.
expect_exit 0 "$espdiag" --format=json --skip-rule=app-install-failed --skip-rule app-install-incomplete "$sample"
[ "$(ids "$tmp/out")" = "" ] && ok || bad "--skip-rule left: $(ids "$tmp/out")"
expect_exit 2 "$espdiag" --skip-rule=no-such-rule "$sample"
has '"no-such-rule"' "$tmp/err"
expect_exit 0 "$espdiag" --format=json "$data/diag-timeout.reg"
[ "$(ids "$tmp/out")" = "esp-completed timeout-too-short" ] && ok || bad "timeout: $(ids "$tmp/out")"
expect_exit 0 "$espdiag" --format=json --app-minutes=1 "$data/diag-timeout.reg"
[ "$(ids "$tmp/out")" = "esp-completed" ] && ok || bad "--app-minutes=1: $(ids "$tmp/out")"
expect_exit 2 "$espdiag" --app-minutes=0 "$sample"
expect_exit 2 "$espdiag" --app-minutes=3x "$sample"

# An option the command does not take is a usage error.
expect_exit 2 "$espdiag" dump --format=json "$sample"
has "--format does not apply to dump" "$tmp/err"
expect_exit 2 "$espdiag" query --format=json "$sample" 'HKLM\SOFTWARE'
expect_exit 2 "$espdiag" rules --mount 'HKLM\SOFTWARE'
has "--mount does not apply to rules" "$tmp/err"
expect_exit 2 "$espdiag" diagnose --encoding=utf-16le "$sample"
expect_exit 2 "$espdiag" --key 'HKLM\SOFTWARE' "$sample"
expect_exit 2 "$espdiag" timeline --skip-rule=esp-completed "$sample"
expect_exit 2 "$espdiag" dump --encoding=latin1 "$sample"
has "latin1" "$tmp/err"

# Standard input once.
expect_exit 2 "$espdiag" diagnose - - < "$sample"
has '"-" (standard input) is given twice' "$tmp/err"
expect_exit 2 "$espdiag" timeline - "$sample" - < "$sample"

# --mount per FILE: one before a FILE applies to the FILEs after it, until
# the next; '' mounts where the input says; one after the last FILE
# applies to every FILE no --mount precedes.
elsewhere='HKLM\Elsewhere'
expect_exit 1 "$espdiag" --format=json --mount "$elsewhere" "$data/diag-ok.reg" --mount '' "$sample"
[ "$(ids "$tmp/out")" = "no-esp-data
app-install-failed app-install-incomplete" ] && ok || bad "--mount per FILE: $(ids "$tmp/out")"
expect_exit 1 "$espdiag" --format=json "$data/diag-ok.reg" "$sample" --mount "$elsewhere"
[ "$(ids "$tmp/out")" = "no-esp-data
no-esp-data" ] && ok || bad "trailing --mount: $(ids "$tmp/out")"
expect_exit 1 "$espdiag" --format=json "$data/diag-ok.reg" --mount "$elsewhere" "$sample"
[ "$(ids "$tmp/out")" = "esp-completed
no-esp-data" ] && ok || bad "--mount between FILEs: $(ids "$tmp/out")"
expect_exit 2 "$espdiag" --mount "$elsewhere" "$sample" --mount 'HKLM\Other'
has "applies to no FILE" "$tmp/err"

# timeline takes several FILEs.
expect_exit 0 "$espdiag" timeline "$sample" "$data/diag-escapes.reg"
[ "$(grep -c ':$' "$tmp/out")" -eq 2 ] && ok || bad "timeline headers: $(grep ':$' "$tmp/out")"
[ "$(wc -l < "$tmp/out")" -eq 12 ] && ok || bad "timeline of two files: $(wc -l < "$tmp/out") lines"
expect_exit 0 "$espdiag" timeline --format=json "$sample" "$data/diag-escapes.reg"
python3 -c 'import json,sys
paths = [json.loads(l)["input"]["path"] for l in open(sys.argv[1])]
assert len(paths) == 9 and paths.count(sys.argv[2]) == 8, paths' "$tmp/out" "$sample" && ok ||
	bad "timeline JSON of two files"
expect_exit 3 "$espdiag" timeline "$sample" "$tmp/nonexistent.reg"
[ "$(wc -l < "$tmp/out")" -eq 9 ] && ok || bad "timeline goes on after an unreadable FILE"

# Every failure says why: writing to a full disk, reading a directory.
if [ -w /dev/full ]; then
	for cmd in "rules" "rules --format=json" "dump $sample" "diagnose $sample" "timeline $sample" \
		"query $sample HKLM\\SOFTWARE"; do
		# shellcheck disable=SC2086
		"$espdiag" $cmd > /dev/full 2> "$tmp/err"
		[ $? -eq 3 ] && grep -q "writing to standard output: No space left on device" "$tmp/err" &&
			ok || bad "$cmd > /dev/full: $(cat "$tmp/err")"
	done
else
	echo "note: no /dev/full; the write error checks are skipped"
fi
expect_exit 3 "$espdiag" dump - < /
has "(standard input): Is a directory" "$tmp/err"

# dump --encoding=utf-8-bom: a BOM, then the UTF-8 dump.
expect_exit 0 "$espdiag" dump --encoding=utf-8-bom "$sample"
[ "$(head -c 3 "$tmp/out" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] && ok || bad "utf-8-bom has no BOM"
"$espdiag" dump "$sample" > "$tmp/plain"
tail -c +4 "$tmp/out" | cmp -s - "$tmp/plain" && ok || bad "utf-8-bom body differs from utf-8"
"$espdiag" dump "$tmp/out" | cmp -s - "$tmp/plain" && ok || bad "utf-8-bom does not read back"

# query: "/" separators; on a hive, paths relative to where it is mounted.
expect_exit 0 "$espdiag" query "$sample" 'HKLM/SOFTWARE/Microsoft/Enrollments'
has 'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Enrollments'
expect_exit 0 "$espdiag" dump --key 'HKLM/SOFTWARE/Microsoft/Enrollments' "$sample"
[ "$(grep -c '^\[' "$tmp/out")" -eq 3 ] && ok || bad "dump --key with / separators"
if [ -f "$corpus/esp/success.SOFTWARE.hive" ]; then
	hive="$corpus/esp/success.SOFTWARE.hive"
	expect_exit 0 "$espdiag" query "$hive" 'Microsoft/Windows/Autopilot/EnrollmentStatusTracking/Device/Setup' HasProvisioningCompleted
	has 'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking\Device\Setup'
	expect_exit 0 "$espdiag" query "$hive" 'Microsoft\Enrollments'
	expect_exit 1 "$espdiag" query "$hive" 'NoSuchKey'
	has 'the hive is mounted at HKEY_LOCAL_MACHINE\SOFTWARE' "$tmp/err"
	has '--mount PREFIX' "$tmp/err"
	expect_exit 0 "$espdiag" query --mount 'HKLM\X' "$hive" 'HKLM\X\Microsoft\Enrollments'
else
	echo "note: $corpus is absent; the hive query checks are skipped"
fi

# A flood of one kind of warning collapses to the first three and a count.
{
	printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Flood]\r\n'
	i=0
	while [ $i -lt 50 ]; do printf '"v%d"=dword:xyz\r\n' $i; i=$((i + 1)); done
} > "$tmp/flood.reg"
expect_exit 0 "$espdiag" query "$tmp/flood.reg" 'HKLM\SOFTWARE\Flood'
[ "$(grep -c 'warning: bad dword' "$tmp/err")" -eq 3 ] && ok || bad "flood: $(cat "$tmp/err")"
has 'warning: 47 more warnings "bad dword" not shown' "$tmp/err"

# Findings of one rule with one remedy: the remedy once, the items listed.
sed 's|^"./Device/Vendor/MSFT/ClientCertificateInstall/SCEP/CorpCert/Install/Enroll"=dword:00000000$|&\
"./Device/Vendor/MSFT/ClientCertificateInstall/SCEP/VpnCert/Install/Enroll"=dword:00000000|' \
	"$data/diag-profiles-pending.reg" > "$tmp/group.reg"
expect_exit 1 "$espdiag" "$tmp/group.reg"
has "  [error] cert-profile-pending: 2 findings"
has "    - Certificate profile CorpCert is not installed (device setup)"
has "    - Certificate profile VpnCert is not installed (device setup)"
[ "$(grep -c 'health of the certificate connector' "$tmp/out")" -eq 1 ] && ok || bad "remedy not once"

# On a terminal, lines wrap at its width (a registry path stays whole).
if command -v script > /dev/null 2>&1; then
	script -qec "stty cols 60; '$espdiag' --color=never '$sample'" /dev/null > "$tmp/tty" 2>&1
	tr -d '\r' < "$tmp/tty" > "$tmp/out"
	# A line longer than 60 is one word (a path); there are more lines than unwrapped.
	long=$(awk '{ s = $0; sub(/^ +/, "", s) } length($0) > 60 && index(s, " ") > 0' "$tmp/out")
	"$espdiag" "$sample" > "$tmp/flat" 2> /dev/null
	[ -z "$long" ] && [ "$(wc -l < "$tmp/out")" -gt $(($(wc -l < "$tmp/flat") + 5)) ] && ok ||
		bad "wrapping: $long"
else
	echo "note: no script(1); the terminal width check is skipped"
fi

# The text report names the archive member that was read.
if command -v gcab > /dev/null 2>&1; then
	mkdir "$tmp/cab" && cp "$sample" "$tmp/cab/MDMDiagReport_RegistryDump.reg"
	(cd "$tmp/cab" && gcab -c -z ../diag.cab MDMDiagReport_RegistryDump.reg)
	expect_exit 1 "$espdiag" "$tmp/diag.cab"
	has "diag.cab (MDMDiagReport_RegistryDump.reg): failed"
else
	echo "note: no gcab; the archive member check is skipped"
fi

# A UTF-16 file saved again with a UTF-8 BOM in front says so.
{
	printf '\357\273\277'
	printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n' |
		iconv -f UTF-8 -t UTF-16LE
} > "$tmp/bom16.reg"
expect_exit 3 "$espdiag" dump "$tmp/bom16.reg"
has "looks like UTF-16 saved with a UTF-8 BOM" "$tmp/err"

# A huge line is left out, costing about its own size in memory: a value's
# size cap bounds the line kept, the input itself is the rest.
big=200000000
{
	printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n"big"="'
	head -c $big /dev/zero | tr '\0' 'a'
	printf '"\r\n"small"=dword:00000001\r\n'
} > "$tmp/huge.reg" 2> /dev/null
if [ "$(wc -c < "$tmp/huge.reg")" -gt $big ]; then
	rss=$(/usr/bin/python3 - "$espdiag" "$tmp/huge.reg" <<'PY'
import resource, subprocess, sys
p = subprocess.run([sys.argv[1], "query", sys.argv[2], "HKLM\\SOFTWARE\\X", "small"],
                   capture_output=True, text=True)
ok = p.returncode == 0 and "small    REG_DWORD    0x1 (1)" in p.stdout and "line left out" in p.stderr
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if ok else -1)
PY
)
	[ "$rss" -gt 0 ] && [ "$rss" -le $((big * 13 / 10 / 1024)) ] && ok ||
		bad "a line of $big bytes: peak $rss KiB (-1: not read past it)"
else
	echo "note: no room for a $big-byte file; the huge line check is skipped"
fi
rm -f "$tmp/huge.reg"

# A dirty hive's transaction logs: beside it by default, named with --log,
# or left out with --no-logs (issue 19). regipy_SYSTEM_B has 33,123 keys
# on disk and 35,595 with its logs replayed.
if [ -f "$corpus/hives/regipy_SYSTEM_B" ]; then
	mkdir -p "$tmp/logs"
	cp "$corpus/hives/regipy_SYSTEM_B" "$tmp/logs/SYS"
	cp "$corpus/hives/regipy_SYSTEM_B.LOG1" "$tmp/logs/first.log"
	cp "$corpus/hives/regipy_SYSTEM_B.LOG2" "$tmp/logs/second.log"
	keys() { grep -c '^\[' "$tmp/out"; }
	expect_exit 0 "$espdiag" dump "$tmp/logs/SYS"
	[ "$(keys)" = 33124 ] && ok || bad "no logs beside it: $(keys) key lines"
	has "the hive is dirty" "$tmp/err"
	expect_exit 0 "$espdiag" dump --log "$tmp/logs/first.log" --log "$tmp/logs/second.log" \
		"$tmp/logs/SYS"
	[ "$(keys)" = 35596 ] && ok || bad "--log: $(keys) key lines"
	hasnt "the hive is dirty" "$tmp/err"
	cp "$tmp/logs/first.log" "$tmp/logs/SYS.LOG1"
	cp "$tmp/logs/second.log" "$tmp/logs/SYS.LOG2"
	expect_exit 0 "$espdiag" dump "$tmp/logs/SYS"
	[ "$(keys)" = 35596 ] && ok || bad "logs beside it: $(keys) key lines"
	expect_exit 0 "$espdiag" dump --no-logs "$tmp/logs/SYS"
	[ "$(keys)" = 33124 ] && ok || bad "--no-logs: $(keys) key lines"
	expect_exit 2 "$espdiag" dump --log "$tmp/logs/first.log" --no-logs "$tmp/logs/SYS"
	has "contradict" "$tmp/err"
	expect_exit 2 "$espdiag" rules --log "$tmp/logs/first.log"
else
	echo "note: ../shared/corpus is absent; the transaction log checks are skipped"
fi

finish cli2
