#!/bin/sh
# The manual: every symbol the built library exports is documented in a
# section 3 page (named on an .Fn, .Fo or .Nm line), and every page lints
# clean with groff -mandoc -ww -z (and mandoc -Tlint -Wwarning when present).
set -u
man="$top_srcdir/man"
so="$top_builddir/lib/.libs/libespdiag.so"
fail=0 n=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! command -v nm > /dev/null 2>&1 || ! command -v groff > /dev/null 2>&1; then
	echo "SKIP: nm or groff missing"; exit 77
fi
[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }

# Names documented: the first word after .Fn/.Fo/.Nm in section 3 pages.
documented=$(sed -n 's/^\.\(Fn\|Fo\|Nm\)[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\2/p' "$man"/man3/*.3 | sort -u)
symbols=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u)
[ -n "$symbols" ] || bad "no symbols in $so"
for s in $symbols; do
	n=$((n + 1))
	printf '%s\n' "$documented" | grep -qx "$s" || bad "$s has no section 3 page"
done

for page in "$man"/man1/*.1 "$man"/man3/*.3 "$man"/man7/*.7; do
	n=$((n + 1))
	out=$(groff -mandoc -ww -z "$page" 2>&1)
	[ -z "$out" ] || bad "groff: $out"
	if command -v mandoc > /dev/null 2>&1; then
		# STYLE messages are advice; WARNING and worse fail.
		out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
		[ -z "$out" ] || bad "mandoc: $out"
	fi
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
