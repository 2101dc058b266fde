#!/bin/sh
# The MDMDiagReport_RegistryDump.reg format through the espdiag command:
# the writer's own format in each encoding (files, so UTF-16 goes through
# the reader's window), value lines kept as REG_DUMP_TEXT surviving
# "dump | dump -" byte for byte, truncation warnings, and inputs that are
# not registry files (exit 3 for diagnose, dump, query and timeline).
set -u
espdiag="$top_builddir/examples/espdiag"
data="$top_srcdir/tests/data"
. "$top_srcdir/tests/testlib.sh"
enrollment='HKLM\SOFTWARE\Microsoft\Enrollments\{0B4E8A3C-1F2D-4E5A-9C8B-7D6E5F4A3B2C}'

# diagnose FILE: runs "espdiag diagnose --format=json FILE" (into $tmp/out),
# which reads FILE: it exits 0, 1 or 4 (what it finds is not the point).
diagnose() {
	"$espdiag" diagnose --format=json "$1" > "$tmp/out" 2> "$tmp/err"
	case $? in 0|1|4) ok ;; *) bad "diagnose $1: $(cat "$tmp/err")" ;; esac
}
# roundtrip FILE: "espdiag dump FILE | espdiag dump -" is byte-identical
# to "espdiag dump FILE".
roundtrip() {
	"$espdiag" dump "$1" > "$tmp/a" 2> /dev/null &&
	"$espdiag" dump - < "$tmp/a" > "$tmp/b" 2> /dev/null &&
	cmp -s "$tmp/a" "$tmp/b" && ok || bad "dump round trip of $1"
}

# --- the writer's format, in each encoding a dump is found in ---
cp "$data/dump-cp1252.reg" "$tmp/cp1252.reg"
iconv -f WINDOWS-1252 -t UTF-8 "$data/dump-cp1252.reg" > "$tmp/utf8.reg"
{ printf '\357\273\277'; cat "$tmp/utf8.reg"; } > "$tmp/utf8bom.reg"
iconv -f WINDOWS-1252 -t UTF-16LE "$data/dump-cp1252.reg" > "$tmp/utf16.reg"
{ printf '\377\376'; cat "$tmp/utf16.reg"; } > "$tmp/utf16bom.reg"
"$espdiag" dump "$tmp/cp1252.reg" > "$tmp/want-dump" 2> "$tmp/err"
[ -s "$tmp/want-dump" ] && [ ! -s "$tmp/err" ] && ok || bad "dump of the cp1252 fixture: $(cat "$tmp/err")"
for enc in cp1252 utf8 utf8bom utf16 utf16bom; do
	f="$tmp/$enc.reg"
	expect_exit 0 "$espdiag" dump "$f"
	cmp -s "$tmp/out" "$tmp/want-dump" && ok || bad "$enc: dump differs from the cp1252 one"
	[ -s "$tmp/err" ] && bad "$enc: warnings: $(cat "$tmp/err")" || ok
	expect_output 0 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\{0B4E8A3C-1F2D-4E5A-9C8B-7D6E5F4A3B2C}
    UPN    REG_SZ    jos$(printf '\303\251').m$(printf '\303\274')ller@contoso.fr" \
		"$espdiag" query "$f" "$enrollment" UPN
	expect_output 0 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\{0B4E8A3C-1F2D-4E5A-9C8B-7D6E5F4A3B2C}\\FirstSync
    CustomErrorText    REG_SZ    Contactez le support $(printf '\342\200\224') poste 1234 ou \"Aide\" sur \\\\fs01\\it" \
		"$espdiag" query "$f" "$enrollment\\FirstSync" CustomErrorText
	expect_output 0 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\{0B4E8A3C-1F2D-4E5A-9C8B-7D6E5F4A3B2C}
    CreationTime    REG_QWORD    0x1d9c2b3a4f5e6d7 (133351740806653655)" \
		"$espdiag" query "$f" "$enrollment" CreationTime
	diagnose "$f"
	grep -q "\"encoding\":\"$(case $enc in cp1252) echo windows-1252;; utf8*) echo utf-8;; *) echo utf-16le;; esac)\",\"dialect\":\"dump\"" "$tmp/out" &&
		ok || bad "$enc: diagnose input: $(head -c 300 "$tmp/out")"
	roundtrip "$f"
done
# QWORD is written as regedit writes a REG_QWORD.
grep -q '^"CreationTime"=hex(b):d7,e6,f5,a4,b3,c2,d9,01' "$tmp/want-dump" && ok || bad "QWORD export"
# The code page is an option: Windows-1251 makes 0xC0 U+0410.
printf '[HKEY_CURRENT_USER\\C]\r\n    "UPN"="\300\377"\r\n\r\n' > "$tmp/cp1251.reg"
expect_output 0 "HKEY_CURRENT_USER\\C
    UPN    REG_SZ    $(printf '\320\220\321\217')" "$espdiag" query --codepage CP1251 "$tmp/cp1251.reg" 'HKCU\C' UPN

# --- value lines the reader cannot decode: kept, and written back ---
odd="$data/dump-odd-lines.reg"
expect_exit 0 "$espdiag" dump "$odd"
[ "$(grep -c '=hex(45535400):' "$tmp/out")" -eq 19 ] && ok || bad "19 values kept as text: $(cat "$tmp/out")"
[ "$(grep -c 'value kept as text (REG_DUMP_TEXT)' "$tmp/err")" -eq 19 ] && ok || bad "19 notes: $(cat "$tmp/err")"
grep -qF "dump-odd-lines.reg:4:13: warning: unknown value type \"MULTI_SZ:\"; value kept as text (REG_DUMP_TEXT)" "$tmp/err" &&
	ok || bad "note names line and column: $(cat "$tmp/err")"
roundtrip "$odd"
# The same lines in UTF-16LE (read from a file through the window) give
# the same values.
iconv -f WINDOWS-1252 -t UTF-16LE "$odd" > "$tmp/odd16.reg"
"$espdiag" dump "$odd" > "$tmp/a" 2> /dev/null
"$espdiag" dump "$tmp/odd16.reg" > "$tmp/b" 2> /dev/null
cmp -s "$tmp/a" "$tmp/b" && ok || bad "odd lines in UTF-16LE differ"
roundtrip "$tmp/odd16.reg"
expect_output 0 'HKEY_LOCAL_MACHINE\SOFTWARE\Fixture\Odd
    Qword    REG_QWORD    0x1d9c2b3a4f5e6d7 (133351740806653655)' "$espdiag" query "$odd" 'HKLM\SOFTWARE\Fixture\Odd' Qword

# --- truncated input: a warning with line, column and offset ---
# The UTF-16LE fixture cut inside line 8, after "    \"UPN\"=\"jos": the
# BOM and 319 units.
head -c 640 "$tmp/utf16bom.reg" > "$tmp/cut16.reg"
expect_exit 0 "$espdiag" dump "$tmp/cut16.reg"
grep -qF "cut16.reg:8:15: warning: input ends early (truncated?): the last line has no line end" "$tmp/err" &&
	ok || bad "truncation warning: $(cat "$tmp/err")"
diagnose "$tmp/cut16.reg"
grep -qF '{"line":8,"column":15,"offset":640,"message":"input ends early (truncated?): the last line has no line end"}' "$tmp/out" &&
	ok || bad "truncation warning in JSON: $(head -c 600 "$tmp/out")"
head -c 641 "$tmp/utf16bom.reg" > "$tmp/odd-count.reg"
expect_exit 0 "$espdiag" dump "$tmp/odd-count.reg"
grep -qF "odd-count.reg:8:15: warning: input ends early (truncated?): odd number of bytes" "$tmp/err" &&
	ok || bad "odd byte count warning: $(cat "$tmp/err")"
# A whole file has no such warning.
expect_exit 0 "$espdiag" dump "$tmp/utf16bom.reg"
grep -q "ends early" "$tmp/err" && bad "whole file: $(cat "$tmp/err")" || ok

# --- not a registry file: exit 3, for every command that reads one ---
: > "$tmp/empty.reg"
printf '\377\376' > "$tmp/bom.reg"
printf 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n' > "$tmp/passwd"
printf '\r\n; only a comment\r\n\r\n' > "$tmp/comment.reg"
printf '\000\001\002\003\377\376\375' > "$tmp/blob"
head -c 4096 /dev/urandom | tr -d '\377' >> "$tmp/blob"
for f in empty.reg bom.reg passwd comment.reg blob; do
	for cmd in diagnose dump timeline; do
		expect_exit 3 "$espdiag" "$cmd" "$tmp/$f"
		grep -q "$f: not a registry file" "$tmp/err" && ok || bad "$cmd $f: $(cat "$tmp/err")"
	done
	expect_exit 3 "$espdiag" query "$tmp/$f" 'HKLM\SOFTWARE'
	grep -q "$f: not a registry file" "$tmp/err" && ok || bad "query $f: $(cat "$tmp/err")"
done
for f in empty.reg bom.reg passwd comment.reg; do
	expect_exit 3 "$espdiag" dump "$tmp/$f"
	grep -qF "$tmp/$f: not a registry file (no key line found)" "$tmp/err" && ok || bad "dump $f: $(cat "$tmp/err")"
done
# A regedit header and no key: an empty registry, as Windows imports it.
printf 'Windows Registry Editor Version 5.00\r\n\r\n' > "$tmp/header.reg"
expect_exit 0 "$espdiag" dump "$tmp/header.reg"
cmp -s "$tmp/out" "$tmp/header.reg" && ok || bad "header only: $(cat "$tmp/out")"

finish dump_format
