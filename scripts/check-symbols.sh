#!/bin/sh
# Checks that the public headers, the version script and the built library
# name the same symbols: every ESPDIAG_API function is in lib/libespdiag.map
# and exported, and nothing else is.
# usage: scripts/check-symbols.sh SRCDIR LIBESPDIAG_SO
set -eu
src=$1 so=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Without comments and preprocessor lines, one declaration per ';'.
for h in "$src"/include/espdiag/*.h "$src"/include/espdiag/version.h.in; do
	perl -0777 -pe 's{/\*.*?\*/}{}gs; s{^\s*#.*$}{}mg' "$h" | tr '\n' ' ' | tr ';' '\n'
done | grep 'ESPDIAG_API' |
	sed -n 's/.*[ *]\(espdiag_[a-z0-9_]*\) *(.*/\1/p' | sort -u > "$tmp/headers"
sed -n 's/^[[:space:]]*\(espdiag_[a-z0-9_]*\);.*/\1/p' "$src/lib/libespdiag.map" | sort -u > "$tmp/map"
nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u > "$tmp/lib"
status=0
for pair in "headers map" "map lib" "headers lib"; do
	set -- $pair
	if ! diff -u "$tmp/$1" "$tmp/$2" > "$tmp/diff"; then
		echo "symbols differ between $1 and $2:"
		sed -n 's/^[-+]espdiag/&/p' "$tmp/diff"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "symbols: $(wc -l < "$tmp/lib") exported, headers, map and library agree"
exit $status
